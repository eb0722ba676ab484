// An exception in setup() stops k6 with exit code 107 and no iteration runs.
export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } },
};

export function setup() {
  throw new Error('setup broke');
}

export default async function () {}
