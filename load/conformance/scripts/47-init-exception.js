// An exception in the init context stops k6 before the run with exit code 107 (ScriptException).
export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } },
};

throw new Error('broken init');

// eslint-disable-next-line no-unreachable
export default async function () {}
