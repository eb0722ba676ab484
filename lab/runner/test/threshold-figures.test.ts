/**
 * A load script's threshold is judged by the engine and read back by the runner, which puts its
 * observed figure and bound beside the verdict. Both read the expression with the one parser
 * (load/metrics/threshold-expression.ts), so every bound k6 accepts ('1e+3', '1E3', '.5', '+5')
 * is judged by the engine and shown by the runner alike; none reads as "no figure".
 */
import { describe, expect, it } from 'vitest';
import { Summary } from '../../../load/metrics/summary.ts';
import { Thresholds } from '../../../load/metrics/thresholds.ts';
import { thresholdResults } from '../load-result.ts';

/** The engine's --summary-export of one run: `samples` values of `metric`, judged by `expressions`. */
function judgedExport(metric: string, expressions: string[], samples: number[]): Record<string, Record<string, unknown>> {
  const thresholds = new Thresholds({ [metric]: expressions });
  const summary = new Summary();
  for (const value of samples) {
    const sample = { metric, tags: {}, value, time: Date.now() };
    thresholds.add(sample);
    summary.add(sample);
  }
  const judged = thresholds.evaluate(10_000);
  return (summary.exportJson(['avg', 'min', 'med', 'max', 'p(95)'], 10_000, thresholds, judged) as { metrics: Record<string, Record<string, unknown>> }).metrics;
}

describe('a threshold, judged by the engine and read back by the runner', () => {
  it.each([
    ['p(95)<1e+3', 1000, true],
    ['p(95) < 1E3', 1000, true],
    ['max<=+5', 5, false],
    ['min > .5', 0.5, true],
    ['avg>=1e-2', 0.01, true],
  ])('%s: the engine judges it and the runner shows the bound %d', (expression, bound, ok) => {
    const exported = judgedExport('http_req_duration', [expression], [1, 2, 3, 40]);
    expect(exported.http_req_duration!.thresholds).toEqual({ [expression]: !ok });
    const [read] = thresholdResults(exported);
    expect(read).toMatchObject({ metric: 'http_req_duration', expression, ok, bound });
    expect(read!.observed).toBeTypeOf('number');
  });

  it('an expression neither can read is refused by the engine at load, in one line naming it', () => {
    expect(() => new Thresholds({ http_req_duration: ['p(95) < 1,000'] })).toThrow(/threshold "http_req_duration: p\(95\) < 1,000" is invalid for a trend/);
  });
});
