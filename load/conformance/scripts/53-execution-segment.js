// options.executionSegment in a sequence of quarters: shared-iterations scales its VUs (4 → 1) and
// its iterations by the sequence rebuilt from the VUs; of 10, the segment 1/4:1/2 owns the
// iterations 1, 5 and 9, so it runs 3 (k6 source: lib/execution_segment.go ScaleInt64,
// lib/executor/shared_iterations.go GetIterations).
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';

export const options = {
  executionSegment: '1/4:1/2',
  executionSegmentSequence: '0,1/4,1/2,3/4,1',
  scenarios: { pool: { executor: 'shared-iterations', vus: 4, iterations: 10, maxDuration: '10s' } },
};

export default async function () {
  check(exec.scenario.iterationInTest, { 'global iteration 1, 5 or 9': (i) => [1, 5, 9].includes(i) });
  await http.asyncRequest('GET', `${__ENV.BASE}/`);
}
