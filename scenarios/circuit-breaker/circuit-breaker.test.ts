/**
 * circuit-breaker end to end, the way a person runs it: `make scenario NAME=circuit-breaker
 * PROFILE=smoke` against the real stack, the load engine, Toxiproxy and Prometheus. It must pass,
 * write every result file, show that the breaker spares the readers what the slow pricing costs
 * the unprotected gateway, and leave nothing behind.
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

it('make scenario NAME=circuit-breaker PROFILE=smoke passes, writes its results and leaves nothing behind', { timeout: 200_000 }, async () => {
  const { dir, summary } = await runScenarioSmoke('circuit-breaker');

  expect(summary.variants.map((v) => v.name)).toEqual(['unprotected', 'protected']);
  for (const v of summary.variants) {
    expect(v.faults.map((f) => [f.fault, f.state, f.visibility?.visible])).toEqual([
      ['latency', 'reverted', true],
      ['reset_peer', 'reverted', true],
    ]);
  }
  const observed = (variant: string, name: RegExp) => observedOf(summary, variant, name);
  // the key difference: reads kept being answered, fast, while pricing was slow and then down
  expect(observed('protected', /reads fail during the fault/)).toBeLessThanOrEqual(0.01);
  expect(observed('unprotected', /reads fail during the fault/)).toBeGreaterThanOrEqual(0.75);
  expect(observed('protected', /requests in flight/) * 4).toBeLessThanOrEqual(observed('unprotected', /reads pile up/));
  expect(observed('protected', /closes the breaker within/)).toBeLessThanOrEqual(4);

  for (const file of ['summary.json', 'junit.xml', 'report.html', 'load-summary-unprotected.json', 'load-seconds-protected.ndjson']) expect(existsSync(join(dir, file)), file).toBe(true);
  expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testsuite name="circuit-breaker \(smoke\)" tests="\d+" failures="0" errors="0"/);

  expect(await leftovers(process.env)).toEqual([]);
});
