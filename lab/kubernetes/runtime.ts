/**
 * LAB_RUNTIME=kubernetes: the runner against a kube context (KUBECONFIG, else ~/.kube/config).
 * What it does today: find out whether that context answers, and say in one line what is missing.
 * Driving a scenario on a cluster (deploying deploy/kubernetes/, faults through the in-cluster
 * Toxiproxy and Chaos Mesh, load from an indexed Job) is not implemented yet, and says so.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../errors/lab-error.ts';
import { TOOLS_BIN } from '../paths.ts';

export interface ContextCheck {
  /** The context's name, or what kubectl said about it. */
  context: string;
  reachable: boolean;
  /** kubectl's last line when the context does not answer. */
  detail: string;
}

function kubectl(args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; out: string }> {
  const bin = existsSync(join(TOOLS_BIN, 'kubectl')) ? join(TOOLS_BIN, 'kubectl') : 'kubectl';
  return new Promise((resolve) => {
    execFile(bin, args, { env, timeout: 15_000 }, (error, stdout, stderr) => {
      const text = `${stdout}${stderr}`.trim();
      resolve({ ok: !error, out: error && (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'kubectl not found: run `make setup LAB_RUNTIME=kubernetes`' : text });
    });
  });
}

/** Does the current kube context answer (its /readyz)? */
export async function checkContext(env: NodeJS.ProcessEnv = process.env): Promise<ContextCheck> {
  const current = await kubectl(['config', 'current-context'], env);
  const context = current.ok ? current.out.split('\n').pop()! : 'none';
  if (!current.ok) return { context, reachable: false, detail: current.out.split('\n').pop() ?? 'no current context' };
  const ready = await kubectl(['get', '--raw', '/readyz', '--request-timeout=10s'], env);
  return { context, reachable: ready.ok, detail: ready.out.split('\n').pop() ?? '' };
}

export async function startKubernetesStack(env: NodeJS.ProcessEnv = process.env): Promise<never> {
  const check = await checkContext(env);
  const where = `KUBECONFIG=${env.KUBECONFIG ?? '~/.kube/config'}`;
  if (!check.reachable) {
    throw new LabError('LAB_ERR_KUBE_UNREACHABLE', `LAB_RUNTIME=kubernetes: the kube context '${check.context}' (${where}) does not answer (${check.detail}): point KUBECONFIG at a reachable cluster, or unset LAB_RUNTIME`);
  }
  throw new LabError(
    'LAB_ERR_KUBE_UNSUPPORTED',
    `LAB_RUNTIME=kubernetes: the context '${check.context}' answers, but running a scenario on a cluster is not implemented yet: deploy with deploy/kubernetes/ (README "Kubernetes"), or unset LAB_RUNTIME`,
  );
}
