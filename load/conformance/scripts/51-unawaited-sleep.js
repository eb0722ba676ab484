// k6's sleep() blocks the VU, awaited or not: each iteration lasts at least 300 ms.
import { sleep } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 2 } },
  thresholds: { iteration_duration: ['min>=290'] },
};

export default async function () {
  sleep(0.3);
}
