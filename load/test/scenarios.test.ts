/**
 * Several scenarios in one run: a ramp that starts later (startTime) through its own exec and env,
 * k6/execution, a custom Counter, setup data reaching iterations and teardown, handleSummary's output.
 */
import { describe, expect, it } from 'vitest';
import { runEngine } from './run-engine.ts';

const source = `
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
const seen = new Counter('seen_b');
export const options = {
  scenarios: {
    a: { executor: 'constant-arrival-rate', rate: 10, duration: '1s', preAllocatedVUs: 5, tags: { part: 'a' } },
    b: { executor: 'ramping-arrival-rate', startRate: 0, stages: [{ duration: '1s', target: 20 }], preAllocatedVUs: 5, startTime: '1s', exec: 'other', env: { WHO: 'b' } },
  },
  thresholds: { 'iterations{part:a}': ['count==10'], 'iterations{scenario:b}': ['count==10'], seen_b: ['count==10'] },
};
export default async function (data) { if (data.token !== 't') throw new Error('setup data missing'); }
export async function other(data) { if (__ENV.WHO === 'b' && exec.scenario.name === 'b' && data.token === 't') seen.add(1); }
export function setup() { return { token: 't' }; }
export function teardown(data) { console.log('teardown saw ' + data.token); }
export function handleSummary(data) { return { stdout: 'iterations=' + data.metrics.iterations.values.count + '\\n' }; }
`;

describe('several scenarios', () => {
  it('runs each on its own schedule, exec and env; the ramp ends with its iteration due at the very end', async () => {
    const run = await runEngine(source);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('teardown saw t');
    expect(run.stdout).toContain('iterations=20');
    const m = run.summary!.metrics;
    expect(m['iterations{scenario:b}']!.thresholds).toEqual({ 'count==10': false });
    expect(m.seen_b!.count).toBe(10);
  });
});
