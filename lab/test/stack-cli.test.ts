/**
 * The CLI's promises about leftovers and bad input: an interrupted or killed `up` leaves
 * nothing once `down` ran; a taken port, a missing binary and a corrupt lab state each get one
 * clear line, a non-zero exit, and nothing started.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { labDir } from '../paths.ts';
import { clusterDirs, clusterOwner } from '../stack/components/postgres-cluster-dir.ts';
import { stackContext } from '../stack/context.ts';
import { isRunning } from '../stack/processes.ts';
import { stopStack } from '../stack/index.ts';
import { eventually, infraPorts, listening, portsOf, processesUsing, recordedPids, runCli, startCli, testEnv, type CliRun } from './lab-env.ts';

const env = testEnv('cli');
const dir = labDir(env);
/** Where this lab's PostgreSQL cluster lives (as root, a private directory outside the lab dir). */
const postgresDirs = () => clusterDirs(stackContext(env), clusterOwner());
const ports = portsOf(env);

/** Nothing of the lab runs and no port of its map listens. */
function expectNothingLeft(pids: number[]): void {
  expect(pids.filter(isRunning)).toEqual([]);
  expect(processesUsing(dir)).toEqual([]);
  expect(listening(infraPorts(ports))).toEqual([]);
}

function oneLine(run: CliRun): string {
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return lines[0] ?? '';
}

/** SIGKILLs `up` once it has spawned two components; returns the pids its pid files name. */
async function killUpMidStart(): Promise<number[]> {
  const { child, done } = startCli(['up', '--no-app'], env);
  await eventually(() => recordedPids(env).length >= 2 || undefined, 20_000, 'up never started two components');
  child.kill('SIGKILL');
  await done;
  const pids = recordedPids(env);
  expect(pids.length).toBeGreaterThanOrEqual(2);
  return pids;
}

afterEach(async () => {
  await stopStack(env);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('faultline up and down', () => {
  it('up starts the stack and returns, the processes outlive it, status shows them, down stops them', async () => {
    const up = await runCli(['up', '--no-app'], env);
    expect(up.code, up.stderr).toBe(0);
    const pids = recordedPids(env);
    expect(pids.length).toBe(6);
    expect(pids.every(isRunning)).toBe(true);
    const status = await runCli(['status'], env);
    expect(status.stdout).toMatch(/^COMPONENT\s+PORT\s+PID\s+HEALTH\s+VERSION/);
    expect(status.stdout.match(/ healthy /g)).toHaveLength(6);
    expect(status.stdout).toMatch(/victoria-logs\s+http:\/\/127\.0\.0\.1:\d+\/select\/vmui\//);
    expect(status.stdout).toMatch(/prometheus\s+http:\/\/127\.0\.0\.1:\d+\/graph/);
    const again = await runCli(['up', '--no-app'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already up');
    const down = await runCli(['down'], env);
    expect(down.code).toBe(0);
    expectNothingLeft(pids);
  });

  it('SIGINT during up stops what had started, and down afterwards finds nothing left', async () => {
    const { child, done } = startCli(['up', '--no-app'], env);
    await eventually(() => recordedPids(env).length > 0 || undefined, 20_000, 'up never started a component');
    const seen = new Set(recordedPids(env));
    child.kill('SIGINT');
    const run = await done;
    for (const pid of recordedPids(env)) seen.add(pid);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted');
    expect([...seen].filter(isRunning)).toEqual([]);
    const down = await runCli(['down'], env);
    expect(down.code).toBe(0);
    expectNothingLeft([...seen]);
  });

  it('SIGKILL during up leaves pid files, and down ends every process they name', async () => {
    const pids = await killUpMidStart();
    const down = await runCli(['down'], env);
    expect(down.code).toBe(0);
    expectNothingLeft(pids);
  });

  it('a later up cleans up what a killed up left and starts afresh', async () => {
    const orphans = await killUpMidStart();
    const up = await runCli(['up', '--no-app'], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('stopped what an earlier run left');
    expect(orphans.filter(isRunning)).toEqual([]);
  });
});

describe('bad input gets one clear line, a non-zero exit and nothing started', () => {
  it('a port already in use names the port, the component and the process holding it', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(ports.redis, '127.0.0.1', resolve));
    try {
      const run = await runCli(['up', '--no-app'], env);
      expect(run.code).not.toBe(0);
      const line = oneLine(run);
      expect(line).toContain(`port ${ports.redis} (redis)`);
      expect(line).toContain(`pid ${process.pid}`);
      expect(recordedPids(env)).toEqual([]);
      expect(listening(infraPorts(ports))).toEqual([ports.redis]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a missing binary names it and the fix', async () => {
    const run = await runCli(['up', '--no-app'], { ...env, FAULTLINE_TOOLS_BIN: join(dir, 'no-tools-here') });
    expect(run.code).not.toBe(0);
    const line = oneLine(run);
    expect(line).toMatch(/toxiproxy-server is missing/);
    expect(line).toContain('make setup');
    expect(recordedPids(env)).toEqual([]);
    expectNothingLeft([]);
  });

  it('a garbage pid file stops up with one line; down repairs it', async () => {
    mkdirSync(join(dir, 'run'), { recursive: true });
    writeFileSync(join(dir, 'run', 'redis.pid'), 'not a pid \u0000\u0001');
    const run = await runCli(['up', '--no-app'], env);
    expect(run.code).not.toBe(0);
    expect(oneLine(run)).toMatch(/pid file .*redis\.pid is unreadable.*make down/);
    const down = await runCli(['down'], env);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('removed the unreadable pid file');
    expect(recordedPids(env)).toEqual([]);
  });

  it('an unreadable state file stops status and up with one line; down clears it', async () => {
    mkdirSync(join(dir, 'run'), { recursive: true });
    writeFileSync(join(dir, 'run', 'stack.json'), '{"version": 1, "phase": ');
    for (const command of ['status', 'up']) {
      const run = await runCli([command, '--no-app'].slice(0, command === 'up' ? 2 : 1), env);
      expect(run.code, command).not.toBe(0);
      expect(oneLine(run)).toMatch(/lab state .*stack\.json is unreadable/);
    }
    expect((await runCli(['down'], env)).code).toBe(0);
    expect((await runCli(['status'], env)).code).toBe(0);
  });

  it('a component that dies while starting is named with the tail of its log, and nothing is left running', async () => {
    // a stand-in PostgreSQL (LAB_POSTGRES_BIN) whose server fails the way a real one does; outside
    // the lab dir, which only its owner may enter (as root the cluster's owner runs these)
    const fake = mkdtempSync(join(tmpdir(), 'faultline-fake-postgres-'));
    chmodSync(fake, 0o755);
    const bin = join(fake, '15', 'bin');
    mkdirSync(bin, { recursive: true, mode: 0o755 });
    writeFileSync(join(bin, 'initdb'), '#!/bin/sh\nmkdir -p "$2" && echo 15 > "$2/PG_VERSION"\n');
    writeFileSync(join(bin, 'postgres'), '#!/bin/sh\necho "FATAL:  could not map anonymous shared memory" >&2\nexit 1\n');
    for (const file of ['initdb', 'postgres']) chmodSync(join(bin, file), 0o755);
    const run = await runCli(['up', '--no-app'], { ...env, LAB_POSTGRES_BIN: bin });
    expect(run.code).toBe(2);
    const line = oneLine(run);
    expect(line).toMatch(/^faultline: postgres exited with code 1 while starting: FATAL: {2}could not map anonymous shared memory \(log: .*postgres\.log\)$/);
    expectNothingLeft(recordedPids(env));
    rmSync(postgresDirs().base, { recursive: true, force: true });
  });

  it('a broken PostgreSQL data dir names postgres and the fix, and leaves nothing running', async () => {
    const up = await runCli(['up', '--no-app'], env);
    expect(up.code, up.stderr).toBe(0);
    expect((await runCli(['down'], env)).code).toBe(0);
    writeFileSync(join(postgresDirs().data, 'PG_VERSION'), 'garbage\n');
    const run = await runCli(['up', '--no-app'], env);
    expect(run.code).not.toBe(0);
    const line = oneLine(run);
    expect(line).toMatch(/^faultline: postgres: the data dir .* is broken/);
    expect(line).toContain('remove');
    expectNothingLeft(recordedPids(env));
    rmSync(postgresDirs().base, { recursive: true, force: true });
  });
});
