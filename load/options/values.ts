/** Reading one option value: each check fails with one line naming the option and what it takes (exit 104). */
import { EngineError } from '../run/errors.ts';

export function bad(message: string): EngineError {
  return new EngineError('options', message);
}

export function count(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw bad(`${what} must be an integer ≥ ${min} (got ${JSON.stringify(value)})`);
  return value;
}

export function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw bad(`${what} must be a number ≥ 0 (got ${JSON.stringify(value)})`);
  return value;
}

export function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(`${what} must be an object of strings`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

