/** Conformance scripts the engine still runs differently from k6, with why (also listed in load/README.md). */
export const DIFFERENCES: Record<string, string> = {
  '51-unawaited-sleep': 'a sleep() that is not awaited in an async function stops the run with one line (exit 104) instead of blocking the VU',
};
