/**
 * The compose runtime against the native one, side by side in one run: start to healthy (the
 * whole stack with the app, images already built) and resident memory once up, summed over every
 * process of the stack (native: the supervised processes and their children; compose: every
 * process in the project's containers, and apart from that the engine's own processes).
 * Goal: compose memory within 20% of native. The log store differs on a tree where native still
 * runs Loki; the ratio without it is printed too.
 *
 *   LAB_PORT_OFFSET=<yours> node_modules/.bin/node bench/compose.bench.ts
 */
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { labDir } from '../lab/paths.ts';
import { parentPids, procRssKiB, treeRssKiB } from '../lab/proc-stat.ts';
import { startStack, stopStack, type StackHandle } from '../lab/stack/index.ts';
import { projectContainers, projectName } from '../lab/stack/compose/project.ts';
import { stackContext } from '../lab/stack/context.ts';

const GOAL_RATIO = 1.2;
const LOG_STORES = new Set(['loki', 'victoria-logs']);

/** RSS of a process and all its descendants, in MiB. */
const treeMiB = (root: number, tree: Map<number, number>): number => treeRssKiB(root, tree) / 1024;

async function nativeMemory(stack: StackHandle): Promise<Map<string, number>> {
  const tree = parentPids();
  const rows = await stack.status();
  return new Map(rows.filter((r) => r.pid).map((r) => [r.name, treeMiB(r.pid!, tree)]));
}

async function composeMemory(env: NodeJS.ProcessEnv): Promise<{ services: Map<string, number>; engine: number }> {
  const tree = parentPids();
  const client = await getContainerRuntimeClient();
  const services = new Map<string, number>();
  for (const c of await projectContainers({ project: projectName(stackContext(env)), dockerHost: process.env.DOCKER_HOST ?? '', engineOwned: false })) {
    const info = await client.container.dockerode.getContainer(c.id).inspect();
    services.set(c.service, treeMiB(info.State.Pid, tree));
  }
  let engine = 0;
  for (const [pid] of tree) {
    try {
      if (/\/(dockerd|containerd|containerd-shim[\w-]*)$/.test(readlinkSync(`/proc/${pid}/exe`))) engine += (procRssKiB(pid) ?? 0) / 1024;
    } catch {
      // not readable
    }
  }
  return { services, engine };
}

const sum = (m: Map<string, number>, skipLogs = false): number => [...m].filter(([n]) => !(skipLogs && LOG_STORES.has(n))).reduce((a, [, v]) => a + v, 0);

async function timed(env: NodeJS.ProcessEnv): Promise<{ seconds: number; stack: StackHandle }> {
  const t = performance.now();
  const stack = await startStack({ env, withApp: true, seed: { products: 200 } });
  return { seconds: (performance.now() - t) / 1000, stack };
}

const base = { ...process.env };
const nativeEnv = { ...base, LAB_RUNTIME: 'native', LAB_DIR: join(labDir(base), 'bench-native') };
const composeEnv = { ...base, LAB_RUNTIME: 'compose', LAB_DIR: join(labDir(base), 'bench-compose') };

try {
  const n = await timed(nativeEnv);
  await new Promise((r) => setTimeout(r, 5000)); // settle: first scrapes, JIT warm-up
  const nMem = await nativeMemory(n.stack);
  await stopStack(nativeEnv);

  const c = await timed(composeEnv);
  await new Promise((r) => setTimeout(r, 5000));
  const cMem = await composeMemory(composeEnv);
  await stopStack(composeEnv);

  const fmt = (x: number): string => x.toFixed(1);
  console.log('| runtime | start to healthy (s) | memory (MiB) | memory without log store (MiB) |');
  console.log('|---|---|---|---|');
  console.log(`| native | ${fmt(n.seconds)} | ${fmt(sum(nMem))} | ${fmt(sum(nMem, true))} |`);
  console.log(`| compose | ${fmt(c.seconds)} | ${fmt(sum(cMem.services))} (+ engine ${fmt(cMem.engine)}) | ${fmt(sum(cMem.services, true))} |`);
  for (const [name, mib] of [...cMem.services].sort()) console.log(`  compose ${name}: ${fmt(mib)} MiB${nMem.has(name) ? ` (native ${fmt(nMem.get(name)!)})` : ''}`);
  const ratio = sum(cMem.services, true) / sum(nMem, true);
  console.log(`start ratio compose/native: ${(c.seconds / n.seconds).toFixed(2)}; memory ratio (without log store, engine apart): ${ratio.toFixed(2)} (goal <= ${GOAL_RATIO})`);
  process.exitCode = ratio <= GOAL_RATIO ? 0 : 1;
} finally {
  await stopStack(nativeEnv).catch(() => {});
  await stopStack(composeEnv).catch(() => {});
}
