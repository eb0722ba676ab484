/**
 * retry-storm end to end, the way a person runs it: `make scenario NAME=retry-storm PROFILE=smoke`
 * against the real stack, the load engine, Toxiproxy, Prometheus and the runner's read-only SQL
 * on PostgreSQL. It must pass, write every result file, show the difference between the variants
 * (duplicated orders and the storm of calls), and leave nothing behind.
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

it('make scenario NAME=retry-storm PROFILE=smoke passes, writes its results and leaves nothing behind', { timeout: 200_000 }, async () => {
  const { dir, summary } = await runScenarioSmoke('retry-storm');

  expect(summary.variants.map((v) => v.name)).toEqual(['unprotected', 'protected']);
  for (const v of summary.variants) {
    expect(v.faults.map((f) => [f.fault, f.target, f.state, f.visibility?.visible])).toEqual([
      ['timeout', 'gateway-orders', 'reverted', true],
      ['reset_peer', 'orders-postgres', 'reverted', true],
    ]);
  }
  const observed = (variant: string, name: RegExp) => observedOf(summary, variant, name);
  // the finding: unprotected writes orders more than once, protected exactly once, and the storm of calls per request is the unprotected one
  expect(observed('unprotected', /writes orders twice/)).toBeGreaterThanOrEqual(10);
  expect(observed('protected', /no order written twice/)).toBe(0);
  expect(observed('protected', /no acknowledged order lost/)).toBe(0);
  const storm = summary.hypotheses.find((h) => /orders calls per request unprotected sends/.test(h.name))!;
  expect(storm.bound).toBeGreaterThan(0);
  expect(storm.observed).toBeLessThanOrEqual(storm.bound!);
  // the SQL measures show the statement they ran, with its bound values
  expect(summary.hypotheses.find((h) => /no order written twice/.test(h.name))!.measure).toMatch(/^sql: SELECT count\(\*\) - count\(DISTINCT items\) .*\$variant=protected/);

  for (const file of ['summary.json', 'junit.xml', 'report.html', 'load-summary-unprotected.json', 'load-seconds-protected.ndjson']) expect(existsSync(join(dir, file)), file).toBe(true);
  expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testsuite name="retry-storm \(smoke\)" tests="\d+" failures="0" errors="0"/);

  expect(await leftovers(process.env)).toEqual([]);
});
