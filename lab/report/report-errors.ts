/**
 * The one error the report gives a person for a results directory it cannot read: a stable
 * code to test for, one line naming the problem and the fix, exit 2.
 */
import { LabError } from '../../errors/lab-error.ts';

export class ReportInputError extends LabError {
  constructor(code: string, message: string) {
    super(code, message, 2);
  }
}
