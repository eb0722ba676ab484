/**
 * Cold native-stack start to all-healthy, and stop, in seconds: median of 5 runs each, for the
 * infrastructure alone (from a fresh lab dir, so initdb included, and from a kept one) and,
 * when the target app is there, with the app. Goal: all-healthy under 15 s.
 *
 *   node_modules/.bin/node bench/stack.bench.ts [runs]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import { labDir } from '../lab/paths.ts';
import { startStack, stopStack } from '../lab/stack/index.ts';
import { appAvailable } from '../lab/stack/topology.ts';

const GOAL_SECONDS = 15;
const runs = Number(process.argv[2] ?? 5);
const env: NodeJS.ProcessEnv = { ...process.env, LAB_DIR: join(labDir(process.env), 'bench-stack') };

interface Case {
  name: string;
  withApp: boolean;
  freshLabDir: boolean;
}

async function measure(c: Case): Promise<{ start: number[]; stop: number[] }> {
  const start: number[] = [];
  const stop: number[] = [];
  await stopStack(env);
  for (let i = 0; i < runs; i++) {
    if (c.freshLabDir) rmSync(labDir(env), { recursive: true, force: true });
    let t = performance.now();
    await startStack({ env, withApp: c.withApp });
    start.push((performance.now() - t) / 1000);
    t = performance.now();
    await stopStack(env);
    stop.push((performance.now() - t) / 1000);
  }
  return { start, stop };
}

const cases: Case[] = [
  { name: 'infra, fresh lab dir (initdb)', withApp: false, freshLabDir: true },
  { name: 'infra, kept lab dir', withApp: false, freshLabDir: false },
];
if (await appAvailable()) cases.push({ name: 'infra + app, kept lab dir', withApp: true, freshLabDir: false });

const fmt = (s: number): string => `${s.toFixed(2)} s`;
process.stdout.write(`stack start to all-healthy and stop, median of ${runs} (goal: start under ${GOAL_SECONDS} s)\n`);
try {
  for (const c of cases) {
    const { start, stop } = await measure(c);
    const m = median(start);
    process.stdout.write(
      `  ${c.name.padEnd(32)} start ${fmt(m)} (${(m / GOAL_SECONDS).toFixed(2)}× the goal; runs ${start.map((s) => s.toFixed(2)).join(', ')})  stop ${fmt(median(stop))}\n`,
    );
  }
} finally {
  await stopStack(env);
  rmSync(labDir(env), { recursive: true, force: true });
}
