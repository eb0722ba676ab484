/** `k6/execution`: the current VU, iteration and scenario, and test.abort(). */
import { currentContext } from '../run/context.ts';
import { EngineError } from '../run/errors.ts';

export class TestAbort extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'TestAbort';
  }
}

const iteration = () => currentContext()?.iteration;

const execution = {
  vu: {
    get idInTest() { const it = iteration(); return it?.vuInTest ?? it?.vu ?? 0; },
    get idInInstance() { return iteration()?.vu ?? 0; },
    get iterationInScenario() { return iteration()?.iter ?? 0; },
    get tags() { return { ...(iteration()?.tags ?? {}) }; },
  },
  scenario: {
    get name() { return iteration()?.scenario ?? ''; },
    get iterationInTest() { return iteration()?.iterationInTest ?? 0; },
    get iterationInInstance() { const it = iteration(); return it?.iterationInInstance ?? it?.iterationInTest ?? 0; },
  },
  test: {
    abort(reason?: string): never {
      throw new TestAbort(reason ?? 'test aborted from the script');
    },
    get options(): never {
      throw new EngineError('options', 'exec.test.options is outside the embedded engine\'s k6 subset: read the exported options object instead');
    },
  },
};

export default execution;
