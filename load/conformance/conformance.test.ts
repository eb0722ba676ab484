/**
 * The k6 conformance suite: every script in scripts/ runs on the engine against the suite's own
 * server and must give the outcome k6 gives (outcomes.ts). Scripts the engine still runs
 * differently are listed in differences.ts (and load/README.md) and are held to differ, so a
 * fix shows up as a failure until the list is updated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIFFERENCES } from './differences.ts';
import { OUTCOMES, type Expected, type Outcome } from './outcomes.ts';
import { checksByPath, runScript, SCRIPTS, type ScriptRun } from './run-script.ts';
import { startConformanceServer, type ConformanceServer } from './server.ts';

let server: ConformanceServer;
let closedUrl: string;

beforeAll(async () => {
  server = await startConformanceServer();
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}/`;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => { await server.close(); });

function within(actual: unknown, expected: Expected): boolean {
  if (typeof actual !== 'number') return false;
  if (Array.isArray(expected)) return actual >= expected[0] && actual <= expected[1];
  return Math.abs(actual - expected) < 1e-9;
}

/** Each way the run departs from the outcome, one line each (empty when it conforms). */
function departures(run: ScriptRun, outcome: Outcome, hitsBefore: Record<string, number>): string[] {
  const out: string[] = [];
  if (run.code !== outcome.exit) out.push(`exit ${run.code}, k6 exits ${outcome.exit}`);
  const metrics = run.summary?.metrics ?? {};
  for (const [key, fields] of Object.entries(outcome.metrics ?? {})) {
    for (const [field, expected] of Object.entries(fields)) {
      const actual = metrics[key]?.[field];
      if (!within(actual, expected)) out.push(`${key}.${field} is ${JSON.stringify(actual)}, k6 gives ${JSON.stringify(expected)}`);
    }
  }
  for (const key of outcome.present ?? []) if (!(key in metrics)) out.push(`summary export lacks ${key}`);
  for (const key of outcome.absent ?? []) if (key in metrics) out.push(`summary export holds ${key}, k6's does not`);
  for (const [key, results] of Object.entries(outcome.thresholds ?? {})) {
    for (const [expression, failed] of Object.entries(results)) {
      const actual = (metrics[key]?.thresholds as Record<string, boolean> | undefined)?.[expression];
      if (actual !== failed) out.push(`threshold ${key} ${expression} failed=${actual}, k6: failed=${failed}`);
    }
  }
  const checks = checksByPath(run.summary?.root_group);
  for (const [path, counts] of Object.entries(outcome.checks ?? {})) {
    if (JSON.stringify(checks[path]) !== JSON.stringify(counts)) out.push(`check ${path} is ${JSON.stringify(checks[path])}, k6 counts ${JSON.stringify(counts)}`);
  }
  for (const text of outcome.stderr ?? []) if (!run.stderr.includes(text)) out.push(`stderr lacks "${text}"`);
  for (const text of outcome.stdout ?? []) if (!run.stdout.includes(text)) out.push(`stdout lacks "${text}"`);
  for (const text of outcome.notInStderr ?? []) if (run.stderr.includes(text)) out.push(`stderr holds "${text}", k6's does not`);
  for (const [path, count] of Object.entries(outcome.hits ?? {})) {
    const hits = server.hits(path) - (hitsBefore[path] ?? 0);
    if (hits !== count) out.push(`${path} received ${hits} requests, k6 sends ${count}`);
  }
  return out;
}

const scripts = readdirSync(SCRIPTS).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).sort();

describe('k6 conformance', () => {
  it('has an outcome for every script and a script for every outcome, at least 40', () => {
    const run = new Set(Object.entries(OUTCOMES).map(([name, outcome]) => outcome.script ?? name));
    expect(scripts).toEqual([...run].sort());
    expect(scripts.length).toBeGreaterThanOrEqual(40);
  });

  it('load/README.md lists exactly the scripts the engine runs differently', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const listed = [...readme.matchAll(/^\| `([0-9]{2}-[a-z0-9-]+)\.js` \|/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(Object.keys(DIFFERENCES).sort());
  });

  for (const [name, outcome] of Object.entries(OUTCOMES)) {
    const known = DIFFERENCES[name];
    it(`${name}${known ? ` (differs: ${known})` : ''}`, { timeout: 90_000 }, async () => {
      const hitsBefore = Object.fromEntries(Object.keys(outcome.hits ?? {}).map((path) => [path, server.hits(path)]));
      const run = await runScript(name, outcome, server, closedUrl);
      const found = departures(run, outcome, hitsBefore);
      if (known) expect(found, 'listed as a difference but now conforms: remove it from differences.ts and load/README.md').not.toEqual([]);
      else expect(found, run.stderr).toEqual([]);
    });
  }
});
