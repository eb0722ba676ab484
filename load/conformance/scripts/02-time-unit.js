// timeUnit: rate 3 per 2 s over 2 s is 3 iterations, not 6 (k6 docs: constant-arrival-rate, timeUnit).
export const options = {
  scenarios: { slow: { executor: 'constant-arrival-rate', rate: 3, timeUnit: '2s', duration: '2s', preAllocatedVUs: 1 } },
};

export default async function () {}
