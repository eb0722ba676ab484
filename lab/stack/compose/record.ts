/**
 * The record of a lab dir's compose project (.lab/run/compose.json): written before anything
 * starts, so a `faultline down` in another process, also after a crash or SIGKILL mid-start,
 * finds the project and the engine it runs on. Kept apart from the compose code so the native
 * runtime can look for it without loading testcontainers.
 */
import { join } from 'node:path';
import type { StackContext } from '../context.ts';
import { readRecordFile, removeRecordFile, writeRecordFile } from '../record-file.ts';

export interface ProjectRecord {
  project: string;
  dockerHost: string;
  /** True when the lab started the engine (stopped after the project on `down`). */
  engineOwned: boolean;
}

function recordPath(ctx: StackContext): string {
  return join(ctx.runDir, 'compose.json');
}

export function writeProjectRecord(ctx: StackContext, record: ProjectRecord): void {
  writeRecordFile(recordPath(ctx), record);
}

export function readProjectRecord(ctx: StackContext): ProjectRecord | null {
  return readRecordFile(recordPath(ctx), (value) =>
    typeof value.project === 'string' && typeof value.dockerHost === 'string' ? ({ engineOwned: false, ...value } as ProjectRecord) : null,
  );
}

export function removeProjectRecord(ctx: StackContext): void {
  removeRecordFile(recordPath(ctx));
}
