// check()'s third argument tags its samples; checks carry check=<name> (k6 docs: k6/check).
import { check } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: {
    'checks{kind:tagged}': ['rate==1'],
    'checks{check:fails}': ['rate==0'],
  },
};

export default async function () {
  check(true, { passes: (v) => v }, { kind: 'tagged' });
  check(false, { fails: (v) => v });
}
