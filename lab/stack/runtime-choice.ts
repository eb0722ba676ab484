/** LAB_RUNTIME: which runtime runs the stack, `native` (the default), `compose` (docker-compose.yml) or `kubernetes` (a kube context). */
import { LabError } from '../../errors/lab-error.ts';

export type LabRuntime = 'native' | 'compose' | 'kubernetes';

export function labRuntime(env: NodeJS.ProcessEnv = process.env): LabRuntime {
  const value = env.LAB_RUNTIME ?? 'native';
  if (value === 'native' || value === 'compose' || value === 'kubernetes') return value;
  throw new LabError('LAB_ERR_BAD_RUNTIME', `LAB_RUNTIME=${value} is not a runtime: set it to native, compose or kubernetes (or leave it unset for native)`);
}
