/**
 * A real Kubernetes control plane on 127.0.0.1, from the tool cache (tools/build.sh kubernetes):
 * etcd, kube-apiserver, kube-controller-manager and kube-scheduler, with kwok standing in for the
 * kubelets (no pod runs: kwok marks scheduled pods running and ready). What it judges is real:
 * the API server's validation and admission, the controllers (Deployments, ReplicaSets, the HPA).
 *
 * Bound to 127.0.0.1 only; services get addresses from a documentation range (198.51.100.0/24),
 * pods from another (203.0.113.0/24): no private range is used, and no address is ever routed.
 * The node kwok keeps has the address 127.0.0.1 and kwok's own server as its kubelet port, and the
 * API server reaches nodes by that address only (never by host name): a `kubectl port-forward`
 * or `logs` that reaches for the node's kubelet stays on this machine, and fails there.
 * `--endpoint-reconciler-type=none`: the API server does not publish its own address as the
 * `kubernetes` Service's endpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TOOLS_BIN } from '../paths.ts';

/** What `make setup LAB_RUNTIME=kubernetes` links into .tools/bin/. */
export const CONTROL_PLANE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok', 'controller-gen'] as const;
export const BUILD_COMMAND = 'make setup LAB_RUNTIME=kubernetes';

export const SERVICE_RANGE = '198.51.100.0/24';
export const POD_RANGE = '203.0.113.0/24';
export const NODE_IP = '127.0.0.1';

/** Ports of one control plane; the defaults sit above every lab port map (offsets up to 9000). */
export interface ControlPlanePorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export const DEFAULT_PORTS: ControlPlanePorts = { etcdClient: 26401, etcdPeer: 26402, apiserver: 26443, controllerManager: 26457, scheduler: 26459, kwok: 26480 };

/** Why the control plane cannot start here, or null when its binaries are built. */
export function controlPlaneMissing(): string | null {
  const missing = CONTROL_PLANE_BINARIES.filter((b) => !existsSync(join(TOOLS_BIN, b)));
  return missing.length === 0 ? null : `${missing.join(', ')} not built: run \`${BUILD_COMMAND}\``;
}

/** The Chaos Mesh CRDs controller-gen made beside its binary (tools/build.sh chaos-mesh-crds). */
export function chaosMeshCrdDir(): string {
  return join(dirname(dirname(realpathSync(join(TOOLS_BIN, 'controller-gen')))), 'crds');
}

export interface ControlPlane {
  /** A kubeconfig with cluster-admin rights on it. */
  kubeconfig: string;
  /** Runs kubectl against it; resolves with its output, rejects with its stderr. */
  kubectl(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  dir: string;
  ports?: ControlPlanePorts;
  /** The HPA controller's sync period, s (Kubernetes' default is 15). */
  hpaSyncSeconds?: number;
  /** How long to wait for /readyz and the fake node, ms. */
  readyTimeoutMs?: number;
}

function pem(dir: string): { key: string; pub: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = join(dir, 'sa.key');
  const pub = join(dir, 'sa.pub');
  writeFileSync(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { key, pub };
}

function kubeconfigText(port: number, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{ name: local, cluster: { server: "https://127.0.0.1:' + port + '", insecure-skip-tls-verify: true } }]',
    `users: [{ name: admin, user: { token: "${token}" } }]`,
    'contexts: [{ name: local, context: { cluster: local, user: admin } }]',
    'current-context: local',
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const missing = controlPlaneMissing();
  if (missing) throw new Error(missing);
  const p = o.ports ?? DEFAULT_PORTS;
  const bin = (name: string) => join(TOOLS_BIN, name);
  mkdirSync(join(o.dir, 'logs'), { recursive: true });
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(o.dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`, { mode: 0o600 });
  const sa = pem(o.dir);
  const kubeconfig = join(o.dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigText(p.apiserver, token), { mode: 0o600 });

  const children: ChildProcess[] = [];
  const start = (name: string, args: string[]): void => {
    const log = createWriteStream(join(o.dir, 'logs', `${name}.log`));
    const child = spawn(bin(name), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    children.push(child);
  };
  // detached, so a Ctrl-C of the caller does not reach them: a caller that dies without stop() still takes them along
  const killAll = (): void => {
    for (const child of children) {
      try {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
  };
  process.once('exit', killAll);
  const stop = async (): Promise<void> => {
    process.off('exit', killAll);
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        continue;
      }
      const timedOut = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
      if (timedOut) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
        await exited;
      }
    }
  };
  const kubectl = (args: string[], input?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(bin('kubectl'), ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.stdin.on('error', () => {}); // kubectl may exit before it reads its input: its exit code says why
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim() || `kubectl ${args.join(' ')} exited ${code}`))));
      child.stdin.end(input ?? '');
    });

  try {
    start('etcd', [
      '--data-dir', join(o.dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${p.etcdClient}`,
      '--advertise-client-urls', `http://127.0.0.1:${p.etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${p.etcdPeer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${p.etcdPeer}`,
      '--initial-cluster', `default=http://127.0.0.1:${p.etcdPeer}`,
      '--unsafe-no-fsync',
    ]);
    start('kube-apiserver', [
      '--etcd-servers', `http://127.0.0.1:${p.etcdClient}`,
      '--bind-address', '127.0.0.1',
      '--advertise-address', '127.0.0.1',
      '--secure-port', String(p.apiserver),
      '--cert-dir', join(o.dir, 'pki'),
      '--service-cluster-ip-range', SERVICE_RANGE,
      '--endpoint-reconciler-type', 'none',
      '--authorization-mode', 'Node,RBAC',
      '--token-auth-file', join(o.dir, 'tokens.csv'),
      '--service-account-issuer', `https://127.0.0.1:${p.apiserver}`,
      '--service-account-key-file', sa.pub,
      '--service-account-signing-key-file', sa.key,
      '--kubelet-preferred-address-types', 'InternalIP',
    ]);
    const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
    for (;;) {
      const ready = await kubectl(['get', '--raw', '/readyz']).then(() => true, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`kube-apiserver not ready on 127.0.0.1:${p.apiserver} within ${o.readyTimeoutMs ?? 60_000} ms (log: ${join(o.dir, 'logs', 'kube-apiserver.log')})`);
      await sleep(250);
    }
    start('kube-controller-manager', [
      '--kubeconfig', kubeconfig,
      '--bind-address', '127.0.0.1',
      '--secure-port', String(p.controllerManager),
      '--leader-elect=false',
      '--service-account-private-key-file', sa.key,
      '--use-service-account-credentials=false',
      '--horizontal-pod-autoscaler-sync-period', `${o.hpaSyncSeconds ?? 15}s`,
    ]);
    start('kube-scheduler', ['--kubeconfig', kubeconfig, '--bind-address', '127.0.0.1', '--secure-port', String(p.scheduler), '--leader-elect=false']);
    start('kwok', [
      '--kubeconfig', kubeconfig,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector', 'kwok.x-k8s.io/node=fake',
      '--config', join(dirname(dirname(realpathSync(bin('kwok')))), 'kwok-stages.yaml'),
      '--cidr', POD_RANGE,
      '--node-ip', NODE_IP,
      '--node-port', String(p.kwok),
      '--server-address', `127.0.0.1:${p.kwok}`,
    ]);
    await kubectl(['apply', '-f', '-'], FAKE_NODE);
    return { kubeconfig, kubectl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One node kwok keeps ready, with room for the lab's pods. */
const FAKE_NODE = `apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0" }
  labels: { kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok }
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "110" }
  capacity: { cpu: "32", memory: 256Gi, pods: "110" }
`;
