/** Conformance scripts the engine still runs differently from k6, with why (also listed in load/README.md). */
const CLOSED = 'closed-model executors are refused (exit 104)';
const SYNC = 'synchronous k6/http calls and a blocking sleep are refused (exit 104)';

export const DIFFERENCES: Record<string, string> = {
  '06-per-vu-iterations': CLOSED,
  '07-shared-iterations': CLOSED,
  '08-constant-vus': CLOSED,
  '09-ramping-vus': CLOSED,
  '10-iterations-shortcut': CLOSED,
  '11-vus-duration-shortcut': CLOSED,
  '12-stages-shortcut': CLOSED,
  '13-getting-started': CLOSED,
  '14-batch': SYNC,
  '15-sync-methods': SYNC,
  '51-unawaited-sleep': 'a sleep() that is not awaited stops the run with one line (exit 104) instead of blocking the VU',
  '52-closed-async': CLOSED,
};
