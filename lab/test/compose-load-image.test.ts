/**
 * The load engine's image (images/load/, faultline/load:local) run for real, as the pods of
 * deploy/kubernetes/load/job.yaml run it: N containers of it, each with JOB_COMPLETION_INDEX=i and
 * SEGMENTS=N and a k6 script mounted read-only, on the host network against a server of the
 * test's own on 127.0.0.1. Each iteration tells the server who it is (its index in the whole
 * schedule, exec.scenario.iterationInTest); the N containers together must send exactly what one
 * container with SEGMENTS=1 sends, which is the schedule: none missing, none twice, and each
 * container its even share. Needs a Docker engine as compose-real.test.ts does, and is skipped
 * with the same reason where none can be had; the image is built here (warm: make test built it).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.ts';
import { ensureEngine } from '../stack/compose/engine.ts';
import { stackContext } from '../stack/context.ts';
import { stopStack } from '../stack/index.ts';
import { composeSkipReason, testEnv } from './lab-env.ts';

const run = promisify(execFile);

const skipReason = await composeSkipReason();
if (skipReason !== null) console.warn(`compose-load-image: skipped: ${skipReason}`);

const IMAGE = 'faultline/load:local';
/**
 * 20 iterations a second for 3 s: 60, divisible by every N tried, so each share is exact. As many
 * VUs as iterations: a pod starved of CPU for a moment (2 cores, N engines starting at once) then
 * has a free VU for every iteration that came due meanwhile, and drops none, so every one of the
 * schedule's iterations reaches the server whatever the machine's load.
 */
const TOTAL = 60;
const SCRIPT = `
import http from 'k6/http';
import exec from 'k6/execution';
export const options = {
  scenarios: {
    constant: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '3s', preAllocatedVUs: 60, maxVUs: 60 },
  },
};
export default async function () {
  await http.asyncRequest('GET', __ENV.BASE + '/hit?run=' + __ENV.RUN + '&i=' + exec.scenario.iterationInTest);
}
`;

const env = testEnv('compose-load-image', { LAB_RUNTIME: 'compose' });
let dockerHost = '';
let engineOwned = false;
let scriptDir = '';
let server: Server;
let base = '';
const hits: { run: string; iteration: number }[] = [];
/** Containers this test named, removed at the end whatever happened. */
const names: string[] = [];

function docker(args: string[], timeoutMs = 120_000) {
  return run('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, timeout: timeoutMs, maxBuffer: 1 << 24 });
}

interface Segment { code: number; stdout: string; stderr: string }

/** Runs the image as the Job's pod with index i of n; resolves with its exit code and output. */
async function pod(i: number, n: number): Promise<Segment> {
  const name = `faultline-load-test-${process.pid}-${n}-${i}`;
  names.push(name);
  const args = [
    'run', '--rm', '--name', name, '--network', 'host',
    '-e', `JOB_COMPLETION_INDEX=${i}`, '-e', `SEGMENTS=${n}`, '-e', 'K6_NO_USAGE_REPORT=true',
    '-v', `${scriptDir}:/scripts:ro`,
    IMAGE, '--no-color', '-e', `BASE=${base}`, '-e', `RUN=${n}-${i}`, '/scripts/script.ts',
  ];
  try {
    const { stdout, stderr } = await docker(args);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

const iterationsOf = (run: string) => hits.filter((h) => h.run === run).map((h) => h.iteration).sort((a, b) => a - b);
const schedule = Array.from({ length: TOTAL }, (_, k) => k);

describe.runIf(skipReason === null)('the load engine image as an indexed Job\'s pods', () => {
  beforeAll(async () => {
    const engine = await ensureEngine(stackContext(env));
    dockerHost = engine.host;
    engineOwned = engine.owned;
    await run(join(PROJECT_ROOT, 'images', 'build.sh'), ['load'], { env: { ...process.env, DOCKER_HOST: dockerHost }, maxBuffer: 1 << 24 });
    // the image runs as `faultline` (uid 10001), not as the owner of the mounted script
    scriptDir = mkdtempSync(join(tmpdir(), 'faultline-load-image-'));
    writeFileSync(join(scriptDir, 'script.ts'), SCRIPT);
    chmodSync(join(scriptDir, 'script.ts'), 0o644);
    chmodSync(scriptDir, 0o755);
    server = createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      hits.push({ run: q.get('run') ?? '', iteration: Number(q.get('i')) });
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 1_800_000);

  afterAll(async () => {
    if (dockerHost !== '') {
      for (const name of names) await docker(['rm', '-f', name]).catch(() => undefined);
    }
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    if (scriptDir !== '') rmSync(scriptDir, { recursive: true, force: true });
    if (engineOwned) await stopStack(env);
  }, 120_000);

  it('SEGMENTS=1: one pod runs the whole schedule', async () => {
    const whole = await pod(0, 1);
    expect(whole, whole.stderr).toMatchObject({ code: 0 });
    expect(iterationsOf('1-0'), whole.stdout + whole.stderr).toEqual(schedule);
  }, 180_000);

  for (const n of [2, 3]) {
    it(`SEGMENTS=${n}: ${n} pods together run that schedule exactly once, each its share`, async () => {
      const pods = await Promise.all(Array.from({ length: n }, (_, i) => pod(i, n)));
      for (const [i, result] of pods.entries()) expect(result, `pod ${i} of ${n}: ${result.stderr}`).toMatchObject({ code: 0 });
      const together = Array.from({ length: n }, (_, i) => iterationsOf(`${n}-${i}`)).flat().sort((a, b) => a - b);
      // none missing, none twice: the union is one engine's schedule, element for element
      expect(together, pods.map((p, i) => `pod ${i}: ${p.stdout}${p.stderr}`).join('\n')).toEqual(schedule);
      expect(together).toEqual(iterationsOf('1-0'));
      for (let i = 0; i < n; i++) expect(iterationsOf(`${n}-${i}`), `pod ${i} of ${n}`).toHaveLength(TOTAL / n);
    }, 180_000);
  }
});
