/**
 * A pid file whose pid now belongs to someone else's process (the lab's process died, the pid
 * was reused): `make down` signals nothing, neither that process nor the members of its process
 * group running the same executable, and drops the record.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { procStartTime, procStatFields } from '../proc-stat.ts';
import { stackContext } from '../stack/context.ts';
import { stopStack } from '../stack/index.ts';
import { isRunning } from '../stack/processes.ts';
import { NODE, testEnv } from './lab-env.ts';

const env = testEnv('pid-reuse');
let unrelated: ChildProcess | undefined;

afterAll(() => {
  if (unrelated?.pid) process.kill(-unrelated.pid, 'SIGKILL');
});

/** Someone else's detached node (its own process group) with a child node in that group; both pids. */
async function unrelatedNodes(): Promise<[number, number]> {
  const code = `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: ['ignore', 'ignore', 'ignore'] });
process.stdout.write(String(c.pid) + '\\n'); setTimeout(() => {}, 120000);`;
  unrelated = spawn(NODE, ['-e', code], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const childPid = await new Promise<number>((resolve) => unrelated!.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  unrelated.unref();
  return [unrelated.pid!, childPid];
}

describe('a recorded pid that is no longer the lab\'s', () => {
  it('a live process with the recorded pid and executable but another start time, and its group, get no signal; the record is dropped', async () => {
    const [leader, member] = await unrelatedNodes();
    expect(procStatFields(member)?.[2]).toBe(String(leader)); // the member is in the leader's group
    const ctx = stackContext(env);
    mkdirSync(ctx.runDir, { recursive: true });
    const pidFile = join(ctx.runDir, 'catalog-1.pid');
    const record = {
      name: 'catalog-1',
      kind: 'app',
      pid: leader,
      start: String(Number(procStartTime(leader)) - 1), // the lab's process started earlier: not this one
      exe: realpathSync(NODE),
      port: 0,
      stopSignal: 'SIGTERM',
      startedAt: new Date().toISOString(),
    };
    writeFileSync(pidFile, `${JSON.stringify(record)}\n`);

    await stopStack(env);
    await sleep(300);
    expect(isRunning(leader)).toBe(true);
    expect(isRunning(member)).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
  });
});
