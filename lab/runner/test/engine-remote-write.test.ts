/**
 * The engine's remote write to Prometheus is on unless a run turns it off: scenario runs keep
 * their Prometheus panels, and the soak (whose figures come from the per-second file) keeps the
 * engine's per-URL series from loading the engine and Prometheus over a long run.
 */
import { describe, expect, it } from 'vitest';
import { engineArgs, type LoadRun } from '../load-engine.ts';

const run: LoadRun = { engine: 'embedded', script: 'load.ts', variant: 'v', scenario: 's', runId: 'r', profile: 'smoke', duration: 10, vars: {}, resultsDir: '/tmp', env: { ...process.env } };
const files = { summary: '/tmp/summary.json', seconds: '/tmp/seconds.ndjson' };
const out = (args: string[]) => args.flatMap((arg, i) => (arg === '--out' ? [args[i + 1]] : []));

describe('the engine command line', () => {
  it('pushes to Prometheus by default, and not when the run says remoteWrite: false', () => {
    expect(out(engineArgs(run, files))).toEqual(['experimental-prometheus-rw']);
    expect(out(engineArgs({ ...run, remoteWrite: false }, files))).toEqual([]);
    expect(engineArgs({ ...run, remoteWrite: false }, files)).toContain('--seconds-out');
  });
});
