/** The engine's failures, each with the exit code k6 gives the same failure. */

export type FailureKind = 'options' | 'script' | 'aborted';

const EXIT_CODE: Record<FailureKind, number> = { options: 104, script: 107, aborted: 105 };

/** A failure printed as one line on stderr before the engine exits with k6's code for its kind. */
export class EngineError extends Error {
  readonly kind: FailureKind;
  constructor(kind: FailureKind, message: string) {
    super(message);
    this.name = 'EngineError';
    this.kind = kind;
  }
  get exitCode(): number {
    return EXIT_CODE[this.kind];
  }
}

/** Thrown by a call outside the engine's subset: the script asked for something k6 has and the engine refuses. */
export function outOfSubset(call: string, instead: string): EngineError {
  return new EngineError('options', `${call} is outside the embedded engine's k6 subset: ${instead}`);
}

export const EXIT_THRESHOLDS_FAILED = 99;
export const EXIT_EXTERNAL_ABORT = 105;
export const EXIT_SCRIPT_ABORTED = 108;
