/**
 * What bounds the load engine: the customer token it is handed is in its environment, not on the
 * command line every user sees in `ps`; it becomes a real-time task at its start of load, carries
 * RLIMIT_RTTIME then, and leaves real-time scheduling at the soft limit rather than die; where
 * the kernel does not throttle real-time tasks it is not made one (nice instead); and the runner
 * stops an engine still running past its duration + gracefulStop + a margin, and says so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINE_RTTIME_US, K6_START_OF_LOAD, prioritizeEngine, RT_RUNTIME_FILE, startLoad, type RunningLoad } from '../load-engine.ts';

const work = mkdtempSync(join(tmpdir(), 'faultline-engine-bounds-'));
const bin = join(work, 'bin');
const TOKEN = 'header.payload-that-only-the-engine-may-see.signature';
/**
 * A k6 that starts its load after K6_INIT_S (as k6 does after VU init and setup()), then never
 * finishes: it keeps its command line (no exec) and leaves only on SIGINT.
 */
spawnSync('mkdir', ['-p', bin]);
writeFileSync(join(bin, 'k6'), `#!/bin/bash\ntrap 'exit 130' INT\nsleep \${K6_INIT_S:-0}\necho 'level=info ${K6_START_OF_LOAD}' >&2\nwhile :; do sleep 0.1; done\n`);
chmodSync(join(bin, 'k6'), 0o755);
const script = join(work, 'load.ts');
writeFileSync(script, 'export default async function () {}\n');
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, LAB_DIR: join(work, 'lab') };
const asRoot = process.getuid?.() === 0;
const throttled = Number(readFileSync(RT_RUNTIME_FILE, 'utf8')) > 0;
const loads: RunningLoad[] = [];

afterAll(async () => {
  for (const load of loads) {
    load.stop();
    await load.done.catch(() => {});
    // the stand-in must not outlive the test whatever became of the stop (one was seen running on)
    try {
      process.kill(-load.pid, 'SIGKILL');
    } catch {
      // its group is gone already
    }
  }
  rmSync(work, { recursive: true, force: true });
});

function hangingLoad(initS = 0): RunningLoad {
  const load = startLoad({ engine: 'k6', script, variant: 'hang', scenario: 'bounds', runId: 'bounds-test', profile: 'smoke', duration: 1, gracefulStopMs: 0, vars: {}, resultsDir: work, env: { ...env, K6_INIT_S: String(initS) }, token: TOKEN });
  loads.push(load);
  return load;
}

/** SCHED_OTHER / SCHED_RR, as util-linux's chrt names the policy of a pid. */
function policyOf(pid: number): string {
  return /policy: (\S+)/.exec(spawnSync('chrt', ['--pid', String(pid)], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
}

describe('the load engine', () => {
  it("gets the customer token in its environment, never on its command line; is stopped past its duration + gracefulStop + margin", async () => {
    const load = hangingLoad();
    await sleep(500);
    const cmdline = readFileSync(`/proc/${load.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.join(' ')).toContain('run');
    expect(cmdline.join(' ')).not.toContain(TOKEN);
    expect(readFileSync(`/proc/${load.pid}/environ`, 'utf8').split('\0')).toContain(`FAULTLINE_TOKEN=${TOKEN}`);

    const started = Date.now();
    await expect(load.done).rejects.toThrow(/still running past its end \(duration 1 s \+ gracefulStop \+ 20 s\) and was stopped/);
    // 1 s + gracefulStop 0 + 20 s from its t = 0, and SIGINT ends it at once
    expect(Date.now() - started).toBeLessThan(25_000);
  }, 40_000);

  it.runIf(asRoot && throttled)('becomes a real-time task at its start of load, not before, and carries RLIMIT_RTTIME', async () => {
    const load = hangingLoad(1.5);
    await sleep(700);
    // start-up and VU init are CPU bursts without a schedule to keep: not real-time yet
    expect(policyOf(load.pid)).toBe('SCHED_OTHER');
    await load.started;
    await sleep(300);
    expect(policyOf(load.pid)).toBe('SCHED_RR');
    const limits = readFileSync(`/proc/${load.pid}/limits`, 'utf8');
    expect(limits).toMatch(new RegExp(`Max realtime timeout\\s+${ENGINE_RTTIME_US.soft}\\s+${ENGINE_RTTIME_US.hard}\\s+us`));
    load.stop();
    await load.done.catch(() => {});
  });

  it.runIf(asRoot && throttled)('the embedded engine at its real-time limit (a VU spinning 1.5 s) leaves real-time scheduling and finishes its run', async () => {
    const spin = join(work, 'spin.js');
    writeFileSync(spin, `export const options = { scenarios: { spin: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '10s' } } };
export default function () { const end = Date.now() + 1500; while (Date.now() < end) {} }
`);
    const load = startLoad({ engine: 'embedded', script: spin, variant: 'spin', scenario: 'bounds', runId: 'bounds-test', profile: 'smoke', duration: 10, vars: {}, resultsDir: work, env, remoteWrite: false });
    loads.push(load);
    await load.started;
    await sleep(300);
    expect(policyOf(load.pid)).toBe('SCHED_RR');
    const result = await load.done;
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(work, 'load-spin.log'), 'utf8')).toMatch(/real-time CPU limit reached \(SIGXCPU\): the engine left real-time scheduling/);
  }, 60_000);

  it.runIf(asRoot)('is not made a real-time task where the kernel does not throttle them (sched_rt_runtime_us = -1): nice -5 instead', async () => {
    const off = join(work, 'sched_rt_runtime_us');
    writeFileSync(off, '-1\n');
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      expect(await prioritizeEngine(child.pid!, off)).toBe('nice');
      expect(policyOf(child.pid!)).toBe('SCHED_OTHER');
      expect(getPriority(child.pid!)).toBe(-5);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
