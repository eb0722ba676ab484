// An exception in an iteration is logged and the run goes on; the iteration still counts in
// iterations; fail() throws the same way (k6 docs: k6/fail).
import { fail } from 'k6';
import exec from 'k6/execution';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 4, duration: '1s', preAllocatedVUs: 1 } },
};

export default async function () {
  if (exec.scenario.iterationInTest % 2 === 0) fail('on purpose');
}
