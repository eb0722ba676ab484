/**
 * The record of a lab dir's compose project (.lab/run/compose.json): written before anything
 * starts, so a `faultline down` in another process, also after a crash or SIGKILL mid-start,
 * finds the project and the engine it runs on. Kept apart from the compose code so the native
 * runtime can look for it without loading testcontainers.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackContext } from '../context.ts';

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
  mkdirSync(ctx.runDir, { recursive: true });
  writeFileSync(`${recordPath(ctx)}.tmp`, `${JSON.stringify(record)}\n`);
  renameSync(`${recordPath(ctx)}.tmp`, recordPath(ctx));
}

export function readProjectRecord(ctx: StackContext): ProjectRecord | null {
  try {
    const value = JSON.parse(readFileSync(recordPath(ctx), 'utf8')) as Partial<ProjectRecord>;
    return typeof value.project === 'string' && typeof value.dockerHost === 'string' ? { engineOwned: false, ...value } as ProjectRecord : null;
  } catch {
    return null;
  }
}

export function removeProjectRecord(ctx: StackContext): void {
  rmSync(recordPath(ctx), { force: true });
}

