/**
 * cache-stampede end to end, the way a person runs it: `make scenario NAME=cache-stampede
 * PROFILE=smoke` against the real stack, the load engine, Toxiproxy and Prometheus. It must pass, write every
 * result file, show the difference between the variants, and leave nothing behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stopStack } from '../../lab/stack/index.ts';
import { runScenarioSmoke } from '../../lab/runner/test/fixtures.ts';
import { leftovers } from '../../lab/runner/test/leftovers.ts';

afterAll(async () => {
  await stopStack(process.env);
});

it('make scenario NAME=cache-stampede PROFILE=smoke passes, writes its results and leaves nothing behind', { timeout: 200_000 }, async () => {
  const { dir, summary } = await runScenarioSmoke('cache-stampede');

  expect(summary.variants.map((v) => v.name)).toEqual(['unprotected', 'protected']);
  expect(summary.hypotheses.length).toBeGreaterThanOrEqual(5);
  for (const v of summary.variants) {
    expect(v.faults.map((f) => [f.fault, f.attributes.mode, f.state, f.visibility?.visible])).toEqual([
      ['cache_expire', 'ttl', 'reverted', true],
      ['cache_expire', 'evict', 'reverted', true],
    ]);
    expect(Object.keys(v.phases).sort()).toEqual(['fault', 'recovery', 'run', 'steady']);
  }
  const queries = (variant: string) => summary.hypotheses.find((h) => h.variant === variant && /queries per hot key/.test(h.name))!.observed!;
  expect(queries('protected') * 3).toBeLessThanOrEqual(queries('unprotected'));
  // the eviction is a cold miss: the protected cache made the other readers wait for one query
  const coalesced = summary.hypotheses.find((h) => h.variant === 'protected' && /coalesced/.test(h.name))!.observed!;
  expect(coalesced).toBeGreaterThan(0);

  for (const file of ['summary.json', 'junit.xml', 'report.html', 'load-summary-unprotected.json', 'load-seconds-protected.ndjson']) expect(existsSync(join(dir, file)), file).toBe(true);
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  expect(junit).toMatch(/<testsuite name="cache-stampede \(smoke\)" tests="\d+" failures="0" errors="0"/);
  // the report stores the app panels it drew, so `faultline report` can draw them again without the stack
  expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('id="report-data"');
  for (const variant of ['unprotected', 'protected']) expect(existsSync(join(dir, `series-${variant}.json`)), `series-${variant}.json`).toBe(true);

  expect(await leftovers(process.env)).toEqual([]);
});
