/**
 * Distributed load by execution segments: N = 1, 2, 3, 4 engines, each running segment i of an
 * even sequence of N, against one server of the test's own. Each iteration tells the server who it
 * is (scenario, exec.scenario.iterationInTest, exec.vu.idInTest, __ITER); together the N engines
 * must send exactly what one engine sends — none missing, none twice — for both arrival-rate
 * executors and both iteration-count executors, and each arrival-rate iteration at its due time
 * in the whole schedule. Bad segment flags stop the engine with one line and k6's exit code 104.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evenSegment, evenSequence } from '../options/execution-segment.ts';
import { runEngine, type EngineResult } from './run-engine.ts';

interface Hit { run: string; scenario: string; iteration: number; vu: number; iter: number; atMs: number }

let server: Server;
let base: string;
const hits: Hit[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    hits.push({ run: q.get('run')!, scenario: q.get('s')!, iteration: Number(q.get('i')), vu: Number(q.get('vu')), iter: Number(q.get('iter')), atMs: Date.now() });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)); });

/**
 * 60 constant-rate iterations (k at k·50 ms), 12 paced ones (k at k·250 ms: far enough apart that
 * an iteration run at a neighbour's due time shows), 57 of a ramp, 50 shared, 12 VUs × 3 each;
 * 12 VUs everywhere, so 1-4 segments split the VUs evenly.
 */
const SCRIPT = `
import http from 'k6/http';
import exec from 'k6/execution';
export const options = {
  scenarios: {
    constant: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '3s', preAllocatedVUs: 12, maxVUs: 12 },
    paced: { executor: 'constant-arrival-rate', rate: 4, timeUnit: '1s', duration: '3s', preAllocatedVUs: 12 },
    ramping: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', stages: [{ duration: '2s', target: 30 }, { duration: '1s', target: 25 }], preAllocatedVUs: 12 },
    shared: { executor: 'shared-iterations', vus: 12, iterations: 50, maxDuration: '30s' },
    perVu: { executor: 'per-vu-iterations', vus: 12, iterations: 3, maxDuration: '30s' },
  },
};
export default async function () {
  const who = 'run=' + __ENV.RUN + '&s=' + exec.scenario.name + '&i=' + exec.scenario.iterationInTest + '&vu=' + exec.vu.idInTest + '&iter=' + __ITER;
  await http.asyncRequest('GET', __ENV.BASE + '/hit?' + who);
}
`;

/** Runs the script as segment i of an even sequence of n, for every i at once (as n machines would). */
async function segmentsOf(n: number): Promise<EngineResult[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => runEngine(SCRIPT, [
    '-e', `BASE=${base}`, '-e', `RUN=${n}-${i}`,
    ...(n === 1 ? [] : ['--execution-segment', evenSegment(i, n), '--execution-segment-sequence', evenSequence(n)]),
  ])));
}

const of = (n: number, scenario: string): Hit[] => hits.filter((h) => h.run.startsWith(`${n}-`) && h.scenario === scenario);
const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
let worstLateness = 0;

describe('execution segments: N engines run one schedule exactly once', () => {
  it('N = 1, 2, 3, 4: together the same iterations as one engine, none twice, none missing', async () => {
    const runs = new Map<number, EngineResult[]>();
    for (const n of [1, 2, 3, 4]) runs.set(n, await segmentsOf(n));
    for (const [n, results] of runs) {
      for (const result of results) {
        expect(result.stderr, `N=${n}`).toBe('');
        expect(result.code, `N=${n}`).toBe(0);
        expect(result.summary!.metrics.dropped_iterations, `N=${n}: no drops, so iterationInTest is the schedule's index`).toBeUndefined();
      }
      // arrival rate and shared-iterations: the global iteration numbers are exactly 0..total-1
      expect(sorted(of(n, 'constant').map((h) => h.iteration)), `N=${n} constant`).toEqual(range(60));
      expect(sorted(of(n, 'paced').map((h) => h.iteration)), `N=${n} paced`).toEqual(range(12));
      expect(sorted(of(n, 'ramping').map((h) => h.iteration)), `N=${n} ramping`).toEqual(range(57));
      expect(sorted(of(n, 'shared').map((h) => h.iteration)), `N=${n} shared`).toEqual(range(50));
      // per-vu-iterations: every (global VU, __ITER) pair of one engine's run, once
      const pairs = (m: number) => of(m, 'perVu').map((h) => `${h.vu}/${h.iter}`).sort();
      expect(pairs(n), `N=${n} per-vu`).toEqual(pairs(1));
      expect(new Set(pairs(n)).size).toBe(36);
      // the summaries add up to the whole test's counts
      const count = (metric: string) => results.reduce((sum, r) => sum + (r.summary!.metrics[metric]?.count ?? 0), 0);
      expect(count('iterations'), `N=${n}`).toBe(60 + 12 + 57 + 50 + 36);
      expect(count('iterations_planned'), `N=${n}`).toBe(60 + 12 + 57);
      // each engine ran a part: its share, not the whole
      if (n > 1) for (const result of results) expect(result.summary!.metrics.iterations!.count).toBeLessThan((60 + 12 + 57 + 50 + 36) / n + 5);
      // each paced iteration k reached the server near its due time k·250 ms in the whole schedule (on its own engine's clock)
      for (const [i, result] of results.entries()) {
        const zero = result.seconds[0]!.startedAt as number;
        for (const hit of of(n, 'paced').filter((h) => h.run === `${n}-${i}`)) {
          const late = hit.atMs - zero - hit.iteration * 250;
          worstLateness = Math.max(worstLateness, Math.abs(late));
          expect(Math.abs(late), `N=${n} segment ${i} iteration ${hit.iteration}`).toBeLessThan(150);
        }
      }
    }
    console.log(`paced iterations: at most ${worstLateness} ms from their due time`);
  }, 240_000);

  it('refuses a bad segment with one line naming the problem and the fix, exit 104 as k6\'s invalid config', async () => {
    const cases: [string[], RegExp][] = [
      [['--execution-segment', '2/1'], /^--execution-segment: segment end value can't be more than 1 but was 2\.00; e\.g\. /],
      [['--execution-segment', '1/3:2/3', '--execution-segment-sequence', '0,1/2,1'], /^execution segment 1\/3:2\/3 is not in the sequence 0,1\/2,1; give one of its segments: 0:1\/2, 1\/2:1/],
      [['--execution-segment-sequence', '0,1/2,1/4,1'], /^--execution-segment-sequence: segment start\(0\.50\) must be less than its end\(0\.25\)/],
      [['--execution-segment', 'half'], /^--execution-segment: 'half' is not a valid percentage, decimal, fraction or interval value/],
    ];
    for (const [args, message] of cases) {
      const run = await runEngine(SCRIPT, ['-e', `BASE=${base}`, '-e', 'RUN=bad', ...args]);
      expect(run.code, args.join(' ')).toBe(104);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
    expect(hits.filter((h) => h.run === 'bad')).toEqual([]);
  }, 120_000);

  it('reads options.executionSegment and executionSegmentSequence from the script; the flags win', async () => {
    const source = `
import exec from 'k6/execution';
export const options = { executionSegment: '1/4:1/2', executionSegmentSequence: '0,1/4,1/2,3/4,1', iterations: 8, vus: 4 };
export default async function () { console.log('it ' + exec.scenario.iterationInTest + ' in ' + exec.scenario.iterationInInstance); }
`;
    const fromScript = await runEngine(source);
    expect(fromScript.code).toBe(0);
    expect(fromScript.summary!.metrics.iterations!.count).toBe(2);
    const flagged = await runEngine(source, ['--execution-segment', '0:1/2', '--execution-segment-sequence', '0,1/2,1']);
    expect(flagged.summary!.metrics.iterations!.count).toBe(4);
  }, 60_000);
});
