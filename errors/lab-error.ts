/**
 * Errors the lab reports to a person: one line naming the problem and the fix, a stable
 * code to test for, and the exit code the CLI ends with (2 = the run broke, see DESIGN.md).
 */
export class LabError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.name = 'LabError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

export function isLabError(error: unknown): error is LabError {
  return error instanceof LabError;
}
