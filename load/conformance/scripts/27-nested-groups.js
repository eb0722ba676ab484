// Nested groups: checks land under root_group.groups.outer.groups.inner, samples carry
// group=::outer::inner, and each group run adds a group_duration sample (k6 docs: k6/group).
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';

const inside = new Counter('inside');

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: {
    'inside{group:::outer::inner}': ['count==2'],
    'group_duration{group:::outer}': ['max>=0'],
  },
};

export default async function () {
  const returned = group('outer', () => group('inner', () => {
    check(null, { 'inside': () => true });
    inside.add(1);
    return 'value';
  }));
  check(returned, { 'group returns the function\'s value': (v) => v === 'value' });
}
