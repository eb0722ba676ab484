// __ENV holds -e values; a scenario's env overrides them for that scenario only (k6 docs:
// environment-variables, scenarios env).
import { check } from 'k6';

export const options = {
  scenarios: {
    plain: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1, exec: 'plain' },
    overridden: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1, exec: 'overridden', env: { GREETING: 'scenario' } },
  },
};

export async function plain() {
  check(__ENV.GREETING, { 'from -e': (g) => g === 'cli' });
}

export async function overridden() {
  check(__ENV.GREETING, { 'from the scenario': (g) => g === 'scenario' });
}
