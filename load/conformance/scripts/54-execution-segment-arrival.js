// A lone execution segment 2/3:1 (the sequence is filled around it: 0,2/3,1): its stripe is every
// third index from 1, so of the 10 iterations of 10/s over 1 s it starts 1, 4 and 7, each at its
// own due time, with its share of the VUs, 1 of 3 (k6 source: lib/execution_segment.go striping,
// lib/executor/constant_arrival_rate.go Run).
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';

export const options = {
  executionSegment: '2/3:1',
  scenarios: { steady: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '1s', preAllocatedVUs: 3 } },
};

export default async function () {
  check(exec.scenario.iterationInTest, { 'global iteration 1, 4 or 7': (i) => [1, 4, 7].includes(i) });
  await http.asyncRequest('GET', `${__ENV.BASE}/`);
}
