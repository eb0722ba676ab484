/** LAB_RUNTIME: which runtime runs the stack, `native` (the default) or `compose` (docker-compose.yml). */
import { LabError } from '../../errors/lab-error.ts';

export type LabRuntime = 'native' | 'compose';

export function labRuntime(env: NodeJS.ProcessEnv = process.env): LabRuntime {
  const value = env.LAB_RUNTIME ?? 'native';
  if (value === 'native' || value === 'compose') return value;
  throw new LabError('LAB_ERR_BAD_RUNTIME', `LAB_RUNTIME=${value} is not a runtime: set it to native or compose (or leave it unset for native)`);
}
