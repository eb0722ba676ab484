import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The project's root: lab/ lives one level below it. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

/** Where the native stack keeps data, logs and pid files (LAB_DIR, default .lab/). */
export function labDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(PROJECT_ROOT, env.LAB_DIR ?? '.lab');
}

export function labLogsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(labDir(env), 'logs');
}

/** Built Go tools, linked from the cache (git-ignored). */
export const TOOLS_BIN = join(PROJECT_ROOT, '.tools', 'bin');

/** The tool cache outside the checkout (FAULTLINE_CACHE, default ~/.cache/faultline). */
export function toolCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FAULTLINE_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'faultline');
}

/** Where runs and gates write their results (FAULTLINE_RESULTS_DIR, default results/). */
export function resultsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.FAULTLINE_RESULTS_DIR ?? join(PROJECT_ROOT, 'results');
}
