/** Waiting for a freshly spawned process to become healthy, bounded in time, failing with its own words. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../../errors/lab-error.ts';
import { PROJECT_ROOT } from '../paths.ts';

/** The last meaningful lines of a log, folded into one line for an error message. */
export function logTail(path: string, lines = 2): string {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '(no log)';
  }
  const tail = text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-lines);
  return tail.length ? tail.map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l)).join(' | ') : '(empty log)';
}

export function shortPath(path: string): string {
  const rel = relative(PROJECT_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

export function interrupted(): LabError {
  return new LabError('LAB_ERR_INTERRUPTED', 'interrupted: stopped everything that had started', 130);
}

export interface HealthWait {
  name: string;
  child: ChildProcess;
  logPath: string;
  timeoutMs: number;
  probe: () => Promise<void>;
  signal?: AbortSignal | undefined;
}

/** Probes until healthy; fails fast when the process exits, and names the component and its log tail on timeout. */
export async function waitHealthy(wait: HealthWait): Promise<number> {
  const started = Date.now();
  let exit: string | null = null;
  const onExit = (code: number | null, sig: NodeJS.Signals | null): void => {
    exit = sig ? `was killed by ${sig}` : `exited with code ${code}`;
  };
  if (wait.child.exitCode !== null || wait.child.signalCode !== null) onExit(wait.child.exitCode, wait.child.signalCode);
  else wait.child.once('exit', onExit);
  let lastError = 'no probe answered yet';
  let pause = 50;
  try {
    for (;;) {
      if (wait.signal?.aborted) throw interrupted();
      if (exit) {
        throw new LabError('LAB_ERR_COMPONENT_FAILED', `${wait.name} ${exit} while starting: ${logTail(wait.logPath)} (log: ${shortPath(wait.logPath)})`);
      }
      try {
        await wait.probe();
        return Date.now() - started;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() - started > wait.timeoutMs) {
        throw new LabError(
          'LAB_ERR_UNHEALTHY',
          `${wait.name} did not become healthy within ${Math.round(wait.timeoutMs / 1000)} s (last probe: ${lastError}); log: ${logTail(wait.logPath)} (${shortPath(wait.logPath)})`,
        );
      }
      await sleep(pause);
      pause = Math.min(pause * 1.5, 250);
    }
  } finally {
    wait.child.off('exit', onExit);
  }
}
