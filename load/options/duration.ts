/** k6 duration strings ("1m30s", "500ms", "2.5s", "1h") and plain numbers (milliseconds), as k6 reads them. */
import { EngineError } from '../run/errors.ts';

const PART = /(\d+(?:\.\d+)?)(ms|us|µs|ns|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a k6 duration; `what` names the option in the error. */
export function parseDurationMs(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string' || value.trim() === '') throw new EngineError('options', `${what}: "${String(value)}" is not a duration; write it as k6 does, e.g. "30s", "1m30s", "500ms"`);
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000; // k6 reads a bare string number as seconds
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(PART)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? NaN);
    consumed += match[0].length;
  }
  if (consumed !== text.length || !Number.isFinite(total)) throw new EngineError('options', `${what}: "${text}" is not a duration; write it as k6 does, e.g. "30s", "1m30s", "500ms"`);
  return total;
}
