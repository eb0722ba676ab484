/**
 * A runtime's record in the lab's run dir (compose.json, kubernetes.json): written whole (a
 * rename), read back only when it has the shape its runtime expects, so a torn or foreign file
 * reads as no record.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeRecordFile(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The record, or null when there is none or it is not one (`accept` returns null then). */
export function readRecordFile<T>(path: string, accept: (value: Record<string, unknown>) => T | null): T | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return value !== null && typeof value === 'object' ? accept(value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function removeRecordFile(path: string): void {
  rmSync(path, { force: true });
}
