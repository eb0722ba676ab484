/**
 * broker-crash end to end, the way a person runs it: `make scenario NAME=broker-crash PROFILE=smoke`
 * against the real stack, a real Redis killed with SIGKILL and started again without its data, the
 * load engine, Prometheus and the runner's read-only SQL on PostgreSQL. It must pass, show the
 * difference between the variants (orders lost for good against none), and leave nothing behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stopStack } from '../../lab/stack/index.ts';
import { observedOf, runScenarioSmoke } from '../../lab/runner/test/fixtures.ts';
import { leftovers } from '../../lab/runner/test/leftovers.ts';

afterAll(async () => {
  await stopStack(process.env);
});

it('make scenario NAME=broker-crash PROFILE=smoke passes, writes its results and leaves nothing behind', { timeout: 200_000 }, async () => {
  const { dir, summary } = await runScenarioSmoke('broker-crash');

  expect(summary.variants.map((v) => v.name)).toEqual(['confirmed-outbox', 'published-at-xadd']);
  for (const v of summary.variants) {
    expect(v.faults.map((f) => [f.fault, f.target, f.state, f.visibility?.visible])).toEqual([
      ['process_stop', 'worker', 'reverted', true],
      ['component_kill', 'redis', 'reverted', true],
    ]);
  }
  const observed = (variant: string, name: RegExp) => observedOf(summary, variant, name);
  // the finding: trusting XADD loses the backlog the crash took, waiting for the confirmation loses nothing
  expect(observed('published-at-xadd', /loses orders for good/)).toBeGreaterThanOrEqual(10);
  expect(observed('confirmed-outbox', /lost = 0/)).toBe(0);
  for (const variant of ['confirmed-outbox', 'published-at-xadd']) {
    expect(observed(variant, /every acknowledged order is stored/)).toBe(0);
    expect(observed(variant, /no order is stored twice/)).toBe(0);
    expect(observed(variant, /no event applied twice/)).toBe(0);
  }

  for (const file of ['summary.json', 'junit.xml', 'report.html', 'load-summary-confirmed-outbox.json', 'load-seconds-published-at-xadd.ndjson']) expect(existsSync(join(dir, file)), file).toBe(true);
  expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testsuite name="broker-crash \(smoke\)" tests="\d+" failures="0" errors="0"/);

  expect(await leftovers(process.env)).toEqual([]);
});
