/** Runs one conformance script on the engine's CLI as `k6 run` would be run, and collects what the outcome speaks of. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceServer } from './server.ts';
import type { Outcome } from './outcomes.ts';

const CLI = join(import.meta.dirname, '..', 'cli.ts');
export const SCRIPTS = join(import.meta.dirname, 'scripts');

export interface ScriptRun {
  code: number | null;
  stderr: string;
  stdout: string;
  summary: { root_group: GroupJson; metrics: Record<string, Record<string, unknown>> } | undefined;
}

interface GroupJson { path: string; groups: Record<string, GroupJson>; checks: Record<string, { path: string; passes: number; fails: number }> }

export async function runScript(name: string, outcome: Outcome, server: ConformanceServer, closedUrl: string): Promise<ScriptRun> {
  const summaryFile = join(mkdtempSync(join(tmpdir(), 'faultline-conformance-')), 'summary.json');
  const env = { BASE: server.url, CLOSED: closedUrl, ...outcome.env };
  const args = [CLI, 'run', '--summary-export', summaryFile, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), join(SCRIPTS, `${outcome.script ?? name}.js`)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  let poll: NodeJS.Timeout | undefined;
  if (outcome.signal) {
    const { name: signal, afterMs } = outcome.signal;
    const before = server.hits('/delay/60000');
    // the signal goes once iterations run (start-up takes seconds on a busy machine)
    poll = setInterval(() => {
      if (server.hits('/delay/60000') === before) return;
      clearInterval(poll);
      setTimeout(() => child.kill(signal), afterMs);
    }, 50);
  }
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  clearInterval(poll);
  return { code, stderr, stdout, summary: existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : undefined };
}

/** Every check of the root_group tree by its path. */
export function checksByPath(group: GroupJson | undefined, into: Record<string, { passes: number; fails: number }> = {}): Record<string, { passes: number; fails: number }> {
  if (group === undefined) return into;
  for (const check of Object.values(group.checks)) into[check.path] = { passes: check.passes, fails: check.fails };
  for (const child of Object.values(group.groups)) checksByPath(child, into);
  return into;
}
