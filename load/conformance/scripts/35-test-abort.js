// exec.test.abort() stops the test with exit code 108 (k6 errext/exitcodes: ScriptAborted).
import exec from 'k6/execution';

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 2, duration: '10s', preAllocatedVUs: 1 } },
};

export default async function () {
  if (exec.scenario.iterationInTest === 1) exec.test.abort('enough');
}
