// k6/execution: scenario.name, scenario.iterationInTest (0..n-1, unique), vu.idInTest
// (k6 docs: k6-execution).
import exec from 'k6/execution';
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const seen = new Trend('iteration_in_test');

export const options = {
  scenarios: { only: { executor: 'constant-arrival-rate', rate: 5, duration: '1s', preAllocatedVUs: 2 } },
};

export default async function () {
  check(exec, {
    'scenario name': (e) => e.scenario.name === 'only',
    'vu id from 1': (e) => e.vu.idInTest >= 1,
  });
  seen.add(exec.scenario.iterationInTest);
}
