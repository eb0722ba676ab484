/**
 * kubectl against the user's kube context (KUBECONFIG, else ~/.kube/config): the tool cache's
 * kubectl when it is built, else one on PATH. Output and errors come back as text; nothing here
 * prints.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LabError } from '../../errors/lab-error.ts';
import { TOOLS_BIN } from '../paths.ts';

export const KUBECTL_MISSING = 'kubectl not found: run `make setup LAB_RUNTIME=kubernetes`';

/** The tool cache's kubectl, else the first on PATH, else the bare name (which then fails with KUBECTL_MISSING). */
export function kubectlBinary(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [TOOLS_BIN, ...(env.PATH ?? '').split(delimiter).filter(Boolean)].map((dir) => join(dir, 'kubectl'));
  return candidates.find((path) => existsSync(path)) ?? 'kubectl';
}

export interface KubectlResult {
  ok: boolean;
  /** stdout and stderr together, trimmed (what kubectl said). */
  out: string;
}

/** Runs kubectl; never rejects (ok says how it went). input goes to its stdin. */
export function kubectl(args: string[], env: NodeJS.ProcessEnv, options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(kubectlBinary(env), args, { env, timeout: options.timeoutMs ?? 15_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const text = `${stdout}${stderr}`.trim();
      resolve({ ok: !error, out: error && (error as NodeJS.ErrnoException).code === 'ENOENT' ? KUBECTL_MISSING : text });
    });
    child.stdin?.on('error', () => {}); // kubectl may exit before it reads its input: its exit code says why
    child.stdin?.end(options.input ?? '');
  });
}

/** The last line kubectl printed: its error, without the usage text before it. */
export const lastLine = (text: string): string => text.split('\n').filter((l) => l.trim() !== '').pop() ?? '';

export interface ContextCheck {
  /** The context's name, or 'none'. */
  context: string;
  reachable: boolean;
  /** kubectl's last line when the context does not answer. */
  detail: string;
}

/** Does the current kube context answer (its /readyz)? */
export async function checkContext(env: NodeJS.ProcessEnv = process.env): Promise<ContextCheck> {
  const current = await kubectl(['config', 'current-context'], env);
  const context = current.ok ? lastLine(current.out) : 'none';
  if (!current.ok) return { context, reachable: false, detail: lastLine(current.out) || 'no current context' };
  const ready = await kubectl(['get', '--raw', '/readyz', '--request-timeout=10s'], env);
  return { context, reachable: ready.ok, detail: lastLine(ready.out) };
}

/** Runs kubectl against the run's context; a failure is one line with kubectl's own reason. */
export async function kubectlOrFail(env: NodeJS.ProcessEnv, what: string, args: string[], input?: string, timeoutMs = 330_000): Promise<string> {
  const result = await kubectl(args, env, { ...(input === undefined ? {} : { input }), timeoutMs });
  if (!result.ok) throw new LabError('LAB_ERR_KUBE_APPLY', `LAB_RUNTIME=kubernetes: ${what} failed (${lastLine(result.out)})`);
  return result.out;
}
