/**
 * The compose runtime for real: a Docker engine (the lab's own when none answers and we are
 * root), the images built by images/build.sh, the stack of docker-compose.yml up and healthy
 * (all but Grafana), and `down` leaving no container, network, volume or process, also after
 * SIGINT and SIGKILL mid-start. Skipped, with the reason, only where no engine can be had
 * (lab-env.ts: composeSkipReason); `make test` installs and builds the rest first.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.ts';
import { stopStack, startStack } from '../stack/index.ts';
import { ensureEngine, reachableEngine } from '../stack/compose/engine.ts';
import { projectContainers, projectName } from '../stack/compose/project.ts';
import { readProjectRecord } from '../stack/compose/record.ts';
import { stackContext } from '../stack/context.ts';
import { composeSkipReason, eventually, portsOf, runCli, startCli, testEnv } from './lab-env.ts';

const run = promisify(execFile);

// skipped only where no engine can be had; a missing plugin, dockerd or image fails instead
const skipReason = await composeSkipReason();
const engineReachable = (await reachableEngine(process.env)) !== null;
const canRun = skipReason === null;
if (!canRun) console.warn(`compose-real: skipped: ${skipReason}`);

const env = testEnv('compose', { LAB_RUNTIME: 'compose' });
const ctx = stackContext(env);
const project = projectName(ctx);

/** Processes of the engine family (dockerd, containerd, its shims) on this machine. */
function engineProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      if (/\/(dockerd|containerd|containerd-shim[\w-]*)$/.test(exe)) found.push(`${pid} ${exe}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

async function dockerJson(args: string[]): Promise<string[]> {
  const { stdout } = await run('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost } });
  return stdout.split('\n').filter(Boolean);
}

let dockerHost = '';
let engineWasRunning = false;

/** What a project leaves behind: containers, networks and volumes labelled with its name, and (when the lab owned the engine) engine processes. */
async function leftovers(): Promise<string[]> {
  const left: string[] = [];
  if (!engineWasRunning) {
    left.push(...engineProcesses().map((p) => `process ${p}`));
    if (left.length > 0) return left; // the engine is gone otherwise: nothing else to ask it
    // the lab's engine was stopped: start it again only to look (then stop it)
    const probe = await ensureEngine(ctx);
    dockerHost = probe.host;
  }
  left.push(...(await projectContainers({ project, dockerHost, engineOwned: false })).map((c) => `container ${c.service} (${c.state})`));
  left.push(...(await dockerJson(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).map((n) => `network ${n}`));
  left.push(...(await dockerJson(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).map((v) => `volume ${v}`));
  if (!engineWasRunning) await stopStack(env);
  return left;
}

describe.runIf(canRun)('compose runtime', () => {
  beforeAll(async () => {
    engineWasRunning = engineReachable;
    const engine = await ensureEngine(ctx);
    dockerHost = engine.host;
    // warm here: make test built them before the tests (make images does too); a cold build is in the README's figures
    await run(join(PROJECT_ROOT, 'images', 'build.sh'), [], { env: { ...process.env, DOCKER_HOST: dockerHost }, maxBuffer: 1 << 24 });
  }, 1_800_000);

  afterAll(async () => {
    await stopStack(env);
  }, 120_000);

  it('brings every service but Grafana up healthy, on 127.0.0.1 only, and down leaves nothing', async () => {
    const stack = await startStack({ env, withApp: true, seed: { products: 20 } });
    const rows = await stack.status();
    expect(rows.map((r) => `${r.name}:${r.health}`)).toEqual(rows.map((r) => `${r.name}:healthy`));
    expect(rows.map((r) => r.name)).not.toContain('grafana');
    const ports = portsOf(env);
    const res = await fetch(`http://127.0.0.1:${ports.gateway}/products?limit=3`);
    expect(res.status).toBe(200);
    // every listener of the stack is on loopback: nothing in /proc/net/tcp on 0.0.0.0 for its ports
    const listeners = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((c) => c[3] === '0A');
    const stackPorts = new Set<number>([ports.gateway, ports.postgres, ports.redis, ports.prometheus, ports.toxiproxy, ports.jaegerQuery, ports.victoriaLogs]);
    const exposed = listeners.filter((c) => stackPorts.has(parseInt(c[1]!.split(':')[1]!, 16)) && !c[1]!.startsWith('0100007F'));
    expect(exposed).toEqual([]);
    // a process fault reaches the container's process from the host, as natively
    expect(stack.pidOf('catalog-1')).toBeGreaterThan(1);

    const report = await stopStack(env);
    expect(report.stopped).toContain('gateway (container)');
    expect(readProjectRecord(ctx)).toBeNull();
    expect(await leftovers()).toEqual([]);
  }, 600_000);

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`${signal} mid-start, then down, leaves no container, network, volume or process`, async () => {
      const up = startCli(['up', '--app'], env);
      // mid-start: once the first container of the project exists
      await eventually(async () => {
        const record = readProjectRecord(ctx);
        return record && (await projectContainers(record)).length > 0 ? true : undefined;
      }, 300_000, 'no container of the project appeared');
      up.child.kill(signal);
      const result = await up.done;
      if (signal === 'SIGINT') expect(result.code, result.stderr).toBe(130);
      const down = await runCli(['down'], env);
      expect(down.code, down.stderr).toBe(0);
      expect(await leftovers()).toEqual([]);
    }, 600_000);
  }
});

describe('compose runtime without an engine', () => {
  it('says so in one line and starts nothing', async () => {
    const lonely = testEnv('compose-no-engine', { LAB_RUNTIME: 'compose', DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    const result = await runCli(['up', '--no-app'], lonely);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no Docker engine answers at DOCKER_HOST=unix:\/\/\/nonexistent\/docker.sock: .*native runtime/);
    // nothing of the native runtime was started or recorded either
    expect(existsSync(join(stackContext(lonely).runDir, 'compose.json'))).toBe(false);
    const pids = existsSync(stackContext(lonely).runDir) ? readdirSync(stackContext(lonely).runDir).filter((f) => f.endsWith('.pid')) : [];
    expect(pids).toEqual([]);
  });

  it('as a user who may not start one, says so in one line', async () => {
    if (process.getuid?.() !== 0) return; // only root can become another user to try it
    const nobody = { ...testEnv('compose-nobody', { LAB_RUNTIME: 'compose', LAB_DIR: '/tmp/faultline-compose-nobody' }) };
    delete nobody.DOCKER_HOST;
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile('runuser', ['-u', 'nobody', '--', join(PROJECT_ROOT, 'node_modules', '.bin', 'node'), join(PROJECT_ROOT, 'lab', 'cli.ts'), 'up', '--no-app'], { env: nobody, cwd: '/tmp' }, (error, _out, err) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr: err }),
      );
    });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/no Docker engine answers .* only root may start the lab's own: .*native runtime/)]);
  });
});
