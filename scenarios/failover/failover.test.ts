/**
 * failover end to end, the way a person runs it: `make scenario NAME=failover PROFILE=smoke`
 * against the real stack with three catalog instances, the load engine, Toxiproxy and Prometheus.
 * It must pass, write every result file, show that round robin fails the bad instances' share of
 * reads while failover fails almost none, and leave nothing behind (the killed instance included).
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

it('make scenario NAME=failover PROFILE=smoke passes, writes its results and leaves nothing behind', { timeout: 200_000 }, async () => {
  const { dir, summary } = await runScenarioSmoke('failover');

  expect(summary.variants.map((v) => v.name)).toEqual(['unprotected', 'protected']);
  for (const v of summary.variants) {
    expect(v.faults.map((f) => [f.fault, f.target, f.state, f.visibility?.visible])).toEqual([
      ['process_kill', 'catalog-1', 'reverted', true],
      ['timeout', 'gateway-catalog-2', 'reverted', true],
    ]);
  }
  const observed = (variant: string, name: RegExp) => observedOf(summary, variant, name);
  // the key difference: round robin fails a large share of the reads during the fault, failover almost none
  expect(observed('protected', /reads fail during the fault/)).toBeLessThanOrEqual(0.01);
  expect(observed('unprotected', /in proportion to the bad instances/)).toBeGreaterThanOrEqual(0.25);
  expect(observed('protected', /all 3 instances are in rotation/)).toBe(3);

  for (const file of ['summary.json', 'junit.xml', 'report.html', 'load-summary-unprotected.json', 'load-seconds-protected.ndjson']) expect(existsSync(join(dir, file)), file).toBe(true);
  expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testsuite name="failover \(smoke\)" tests="\d+" failures="0" errors="0"/);

  expect(await leftovers(process.env)).toEqual([]);
});
