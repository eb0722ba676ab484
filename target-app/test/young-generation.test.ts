import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../../lab/paths.ts';
import { resolvePorts } from '../../lab/ports.ts';
import { NODE_OPTIONS, serviceSpecs } from '../src/topology.ts';

const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
const MIB = 1024 * 1024;

/** Allocates short-lived objects for up to 4 s (or until new space passes 64 MiB) and prints new space's size in MiB. */
const ALLOCATE = `
const v8 = require('node:v8');
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let keep = [];
const until = Date.now() + 4000;
while (Date.now() < until && newSpace() <= 64 * ${MIB}) {
  for (let i = 0; i < 1000; i++) keep.push({ i, s: 'x' + i, a: [i, i] });
  if (keep.length > 200000) keep = [];
}
console.log(newSpace() / ${MIB});
`;

function newSpaceMiB(env: NodeJS.ProcessEnv): number {
  return Number(execFileSync(NODE, ['-e', ALLOCATE], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 }).trim());
}

describe("the services' young generation", () => {
  it('grows past 64 MiB under allocation without the cap, and stays at 32 MiB with the env every service runs with', () => {
    // the premise: without the cap, V8 grows new space with the allocation rate
    expect(newSpaceMiB({})).toBeGreaterThan(64);
    const specs = serviceSpecs(resolvePorts(process.env));
    expect(new Set(specs.map((s) => s.service))).toEqual(new Set(['gateway', 'catalog', 'pricing', 'orders', 'worker']));
    for (const spec of specs) expect(spec.env.NODE_OPTIONS, spec.instance).toBe(NODE_OPTIONS);
    expect(newSpaceMiB({ NODE_OPTIONS })).toBeLessThanOrEqual(32);
  });

  it('is capped the same way on Kubernetes: every service Deployment sets the same NODE_OPTIONS', () => {
    for (const service of ['gateway', 'catalog', 'pricing', 'orders', 'worker']) {
      const docs = parseAllDocuments(readFileSync(join(PROJECT_ROOT, 'deploy', 'kubernetes', 'base', `${service}.yaml`), 'utf8')).map((d) => d.toJSON());
      const deployment = docs.find((d) => d?.kind === 'Deployment');
      const container = deployment.spec.template.spec.containers.find((c: { name: string }) => c.name === service);
      const env = container.env as { name: string; value?: string }[];
      expect(env.find((e) => e.name === 'NODE_OPTIONS')?.value, service).toBe(NODE_OPTIONS);
    }
  });
});
