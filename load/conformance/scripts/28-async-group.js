// group() with an async function throws "group() does not support async functions as arguments"
// (k6 js/modules/k6/k6.go); uncaught, it ends the iteration with an error and the run goes on.
import { check, group } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 1 } },
};

export default async function () {
  let rejected = false;
  try {
    await group('step', async () => {});
  } catch (error) {
    rejected = String(error).includes('group() does not support async functions as arguments');
  }
  check(rejected, { 'async group rejected': (r) => r });
  group('uncaught', async () => {});
}
