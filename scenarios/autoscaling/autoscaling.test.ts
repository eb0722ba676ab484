/**
 * autoscaling end to end, the way a person runs it: `make scenario NAME=autoscaling PROFILE=smoke`
 * against the real stack, the load engine, Toxiproxy, Prometheus and the lab's HPA controller. It
 * must pass, write every result file, show that one fixed instance fails the peak while the
 * autoscaled catalog scales out and back in without a failed read, and leave nothing behind.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stopStack } from '../../lab/stack/index.ts';
import { summarySchema } from '../../lab/runner/summary.ts';
import { runCommand } from '../../lab/runner/test/fixtures.ts';
import { leftovers } from '../../lab/runner/test/leftovers.ts';

const results = mkdtempSync(join(tmpdir(), 'faultline-results-'));

afterAll(async () => {
  await stopStack(process.env);
});

it('make scenario NAME=autoscaling PROFILE=smoke passes, scales out and back in, writes its results and leaves nothing behind', { timeout: 240_000 }, async () => {
  const r = await runCommand('make', ['--no-print-directory', 'scenario', 'NAME=autoscaling', 'PROFILE=smoke'], { ...process.env, FAULTLINE_RESULTS_DIR: results }, 210_000);
  const [run] = readdirSync(join(results, 'autoscaling'));
  const dir = join(results, 'autoscaling', run!);
  const summary = summarySchema.parse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
  // the reasons say why, when it did not pass
  expect({ verdict: summary.verdict, reasons: summary.reasons }).toEqual({ verdict: 'passed', reasons: [] });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/autoscaling \(smoke\): PASSED \(exit 0\)/);

  expect(summary.variants.map((v) => v.name)).toEqual(['fixed', 'autoscaled']);
  for (const v of summary.variants) {
    // the peak marker: the offered load rose past one instance's capacity in both variants
    expect(v.faults.map((f) => [f.fault, f.state, f.visibility?.visible])).toEqual([['latency', 'reverted', true]]);
    expect(v.engine?.arrival.droppedRatio).toBeLessThanOrEqual(0.01);
    expect(v.engine?.startLag?.p99Ms).toBeLessThanOrEqual(v.engine!.startLag!.boundMs);
  }
  const [fixed, autoscaled] = summary.variants;
  expect(fixed!.autoscaler).toBeNull();
  // the controller's own record: out to at least 3 instances at the peak, back to 1 by the end
  const counts = autoscaled!.autoscaler!.map((d) => d.current);
  expect(Math.max(...counts)).toBeGreaterThanOrEqual(3);
  expect(counts.at(-1)).toBe(1);

  const observed = (variant: string, name: RegExp) => summary.hypotheses.find((h) => h.variant === variant && name.test(h.name))!.observed!;
  // one fixed instance fails a good share of the peak's reads; the autoscaled catalog at most 1 %
  expect(observed('fixed', /fails at least 5 %/)).toBeGreaterThan(10 * Math.max(observed('autoscaled', /at most 1 % of the reads fail/), 0.001));
  expect(observed('autoscaled', /no read fails after the peak/)).toBe(0);

  for (const file of ['summary.json', 'junit.xml', 'report.html', 'load-summary-fixed.json', 'load-seconds-autoscaled.ndjson']) expect(existsSync(join(dir, file)), file).toBe(true);
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  expect(junit).toMatch(/<testsuite name="autoscaling \(smoke\)" tests="\d+" failures="0" errors="0"/);

  expect(await leftovers(process.env)).toEqual([]);
});
