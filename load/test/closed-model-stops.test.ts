/**
 * Where closed-model VUs stop, as k6 stops them: a VU taken out by a ramp-down keeps its running
 * iteration for gracefulRampDown from the step that took it out (not from an earlier step), then
 * is interrupted; at the end every VU's running iteration gets gracefulStop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hardStopSteps } from '../executors/ramp-down.ts';
import { vuSteps } from '../executors/vu-steps.ts';
import { runEngine, startServer, type TestServer } from './run-engine.ts';

const s = (seconds: number): number => seconds * 1000;
const steps = (...pairs: [number, number][]): { atMs: number; vus: number }[] => pairs.map(([at, vus]) => ({ atMs: s(at), vus }));

describe('ramping-vus hard stops', () => {
  // k6's own example [lib/executor/ramping_vus_test.go TestRampingVUsConfigExecutionPlanExample]
  const raw = vuSteps(4, [[6, 2], [1, 5], [5, 4], [1, 4], [4, 3], [4, 2], [1, 0], [1, 3]].map(([target, seconds]) => ({ target: target!, durationMs: s(seconds!) })));
  const stagesMs = s(23);

  it("keeps k6's own vector for gracefulRampDown 30 s with gracefulStop 30 s, 80 s, 3 s and 0 s", () => {
    expect(hardStopSteps(raw, s(30), stagesMs + s(30))).toEqual(steps([0, 4], [1, 5], [2, 6], [33, 5], [42, 4], [50, 1], [53, 0]));
    expect(hardStopSteps(raw, s(30), stagesMs + s(80))).toEqual(steps([0, 4], [1, 5], [2, 6], [33, 5], [42, 4], [50, 1], [103, 0]));
    expect(hardStopSteps(raw, s(30), stagesMs + s(3))).toEqual(steps([0, 4], [1, 5], [2, 6], [26, 0]));
    expect(hardStopSteps(raw, s(30), stagesMs)).toEqual(steps([0, 4], [1, 5], [2, 6], [23, 0]));
  });

  it('with gracefulRampDown 0 a ramped-down VU stops at its step', () => {
    expect(hardStopSteps(raw, 0, stagesMs)).toEqual([...raw, { atMs: stagesMs, vus: 0 }]);
  });
});

describe('closed-model stops in a run', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startServer(); });
  afterAll(async () => { await server.close(); });

  it('a VU ramped down at 4 s finishes its iteration (due to end at 5.6 s) within its 3 s; the one ramped down at 2 s is cut at 5 s', async () => {
    // 3 → 0 VUs over 6 s: VU 3 out at 2 s, VU 2 at 4 s, VU 1 at 6 s; every iteration 5.6 s long
    const source = `import { sleep } from 'k6';
export const options = { scenarios: { down: { executor: 'ramping-vus', startVUs: 3, stages: [{ duration: '6s', target: 0 }], gracefulRampDown: '3s', gracefulStop: '1s' } } };
export default function () { sleep(5.6); }
`;
    const result = await runEngine(source, ['-e', `TARGET=${server.url}`]);
    expect(result.code, result.stderr).toBe(0);
    // completed: VU 2's (ends 5.6 s, its cut is at 7 s) and VU 1's first; VU 3's is cut at 5 s,
    // VU 1's second (from 5.6 s) at the scenario's end, 7 s
    expect(result.summary!.metrics.iterations!.count).toBe(2);
  }, 60_000);

  it("gracefulStop waits for every VU's running iteration, the first VU's too", async () => {
    // VU 1's iteration ends at 1.8 s, VU 2's at 1.2 s: both after the 1 s duration, both within gracefulStop
    const source = `import { sleep } from 'k6';
export const options = { scenarios: { both: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '5s' } } };
export default function () { sleep(__VU === 1 ? 1.8 : 1.2); }
`;
    const result = await runEngine(source, ['-e', `TARGET=${server.url}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.summary!.metrics.iterations!.count).toBe(2);
  }, 60_000);
});
