// checks with abortOnFail while no check has run yet: k6 skips thresholds on empty metrics
// during the run, so the 2 s evaluation does not abort; the checks later pass (exit 0).
import { check, sleep } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: { checks: [{ threshold: 'rate>0.99', abortOnFail: true }] },
};

export default async function () {
  await sleep(3);
  check(1, { 'late but true': (v) => v === 1 });
}
