/**
 * The run reaches the cluster's services as it reaches the native ones: `kubectl port-forward`
 * of each Service, bound to 127.0.0.1 on the native port map's port. Each forward is a detached
 * process with a pid file in the lab dir, so `make down` ends it whatever became of the runner.
 * kubectl listens at once but reaches the pod only on a connection, so every forward is proven
 * by a first exchange with the service behind it (any reply is enough).
 */
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../../errors/lab-error.ts';
import type { StackContext } from '../stack/context.ts';
import { logFile, spawnDetached } from '../stack/processes.ts';
import { kubectlBinary, KUBECTL_MISSING } from './kubectl.ts';

export interface ForwardTarget {
  service: string;
  /** The Service's port (its number in the cluster). */
  remotePort: number;
  /** Where the runner expects it: the native port map's port, on 127.0.0.1. */
  localPort: number;
  /** The first bytes a client sends; the service answers them with something. */
  hello: Buffer;
}

export const HELLO = {
  http: Buffer.from('GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'),
  /** PostgreSQL's SSLRequest: the server answers one byte, S or N. */
  postgres: Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]),
  redis: Buffer.from('PING\r\n'),
};

const LISTEN_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_MS = 5_000;
const PROBE_ATTEMPTS = 3;

export const forwardName = (target: ForwardTarget): string => `port-forward-${target.service}-${target.remotePort}`;

/** True when the service behind the local port answers the hello within the timeout. */
function exchange(port: number, hello: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => socket.write(hello));
    socket.once('data', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

const logOf = (ctx: StackContext, target: ForwardTarget): string => {
  try {
    return readFileSync(logFile(ctx, forwardName(target)), 'utf8');
  } catch {
    return '';
  }
};

/**
 * kubectl's own reason, one line: the error of the last failed forward (`err="..."` of its log
 * line: what the node said, e.g. that nothing listens in the pod), else its last line.
 */
function reason(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Forwarding from') && !l.startsWith('Handling connection'));
  const failed = lines.map((l) => /err="((?:[^"\\]|\\.)*)"/.exec(l)?.[1]).filter((e) => e !== undefined).pop();
  if (failed !== undefined) return failed.replace(/\\"/g, '"');
  return (lines.pop() ?? 'no reply, and kubectl said nothing').replace(/^[EWI]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] /, '');
}

/**
 * Starts the forward of one Service and proves it; a forward that does not carry a reply is one
 * line naming the service, the namespace and kubectl's reason.
 */
export async function forward(ctx: StackContext, namespace: string, target: ForwardTarget, signal?: AbortSignal): Promise<void> {
  const command = kubectlBinary(ctx.env);
  if (command === 'kubectl') throw new LabError('LAB_ERR_KUBE_NO_KUBECTL', `LAB_RUNTIME=kubernetes: ${KUBECTL_MISSING}`);
  const name = forwardName(target);
  const { child } = spawnDetached(ctx, {
    name,
    kind: 'infra',
    command,
    args: ['port-forward', '--namespace', namespace, '--address', '127.0.0.1', `service/${target.service}`, `${target.localPort}:${target.remotePort}`],
    port: target.localPort,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const where = `${target.service} (namespace ${namespace}, port ${target.remotePort})`;
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  while (!logOf(ctx, target).includes('Forwarding from 127.0.0.1')) {
    if (gone || Date.now() > deadline) {
      throw new LabError('LAB_ERR_KUBE_UNREACHABLE_POD', `LAB_RUNTIME=kubernetes: kubectl port-forward to ${where} did not start (${reason(logOf(ctx, target))}): check the pods run and the port ${target.localPort} on 127.0.0.1 is free`);
    }
    if (signal?.aborted) return;
    await sleep(100);
  }
  for (let attempt = 1; attempt <= PROBE_ATTEMPTS; attempt++) {
    if (signal?.aborted) return;
    if (await exchange(target.localPort, target.hello)) return;
    await sleep(1000);
  }
  // kubectl logs the node's reason a moment after the connection fails
  for (let waited = 0; waited < 2000 && !logOf(ctx, target).includes('err="'); waited += 100) await sleep(100);
  throw new LabError(
    'LAB_ERR_KUBE_UNREACHABLE_POD',
    `LAB_RUNTIME=kubernetes: ${where} rolled out but nothing answers through kubectl port-forward (${reason(logOf(ctx, target))}): the run needs nodes that really run the pods (a kubelet and a container runtime), not simulated ones`,
  );
}
