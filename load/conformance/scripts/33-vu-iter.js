// __VU counts from 1 in iterations (0 in setup); __ITER counts a VU's iterations from 0
// (k6 docs: execution-context-variables).
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const iter = new Trend('iter_seen');

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 4, duration: '1s', preAllocatedVUs: 1 } },
};

export function setup() {
  check(__VU, { 'setup runs as VU 0': (vu) => vu === 0 });
}

export default async function () {
  check(__VU, { 'VU from 1': (vu) => vu >= 1 });
  iter.add(__ITER);
}
