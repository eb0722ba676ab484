/**
 * autoscaling end to end, the way a person runs it: `make scenario NAME=autoscaling PROFILE=smoke`
 * against the real stack, the load engine, Toxiproxy, Prometheus and the lab's HPA controller. It
 * must pass, write every result file, show that one fixed instance fails the peak while the
 * autoscaled catalog scales out and back in without a failed read, and leave nothing behind.
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

it('make scenario NAME=autoscaling PROFILE=smoke passes, scales out and back in, writes its results and leaves nothing behind', { timeout: 240_000 }, async () => {
  const { dir, summary } = await runScenarioSmoke('autoscaling', { timeoutMs: 210_000 });

  expect(summary.variants.map((v) => v.name)).toEqual(['fixed', 'autoscaled']);
  for (const v of summary.variants) {
    // the peak marker: the offered load rose past one instance's capacity in both variants
    expect(v.faults.map((f) => [f.fault, f.state, f.visibility?.visible])).toEqual([['latency', 'reverted', true]]);
  }
  const [fixed, autoscaled] = summary.variants;
  expect(fixed!.autoscaler).toBeNull();
  // the controller's own record: out to at least 3 instances at the peak, back to 1 by the end
  const counts = autoscaled!.autoscaler!.map((d) => d.current);
  expect(Math.max(...counts)).toBeGreaterThanOrEqual(3);
  expect(counts.at(-1)).toBe(1);

  const observed = (variant: string, name: RegExp) => observedOf(summary, variant, name);
  // one fixed instance fails a good share of the peak's reads; the autoscaled catalog at most 1 %
  expect(observed('fixed', /fails at least 5 %/)).toBeGreaterThan(10 * Math.max(observed('autoscaled', /at most 1 % of the reads fail/), 0.001));
  expect(observed('autoscaled', /no read fails after the peak/)).toBe(0);

  for (const file of ['summary.json', 'junit.xml', 'report.html', 'load-summary-fixed.json', 'load-seconds-autoscaled.ndjson']) expect(existsSync(join(dir, file)), file).toBe(true);
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  expect(junit).toMatch(/<testsuite name="autoscaling \(smoke\)" tests="\d+" failures="0" errors="0"/);

  expect(await leftovers(process.env)).toEqual([]);
});
