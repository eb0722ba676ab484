// check() counts one checks sample per condition; root_group lists every check with its passes
// and fails; the return value is true only when all hold (k6 docs: k6/check).
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const allHeld = new Counter('all_held');

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 3, duration: '1s', preAllocatedVUs: 1 } },
};

export default async function () {
  const ok = check(7, { 'is seven': (v) => v === 7, 'is odd': (v) => v % 2 === 1, 'is big': (v) => v > 100 });
  if (!ok) allHeld.add(0);
  else allHeld.add(1);
}
