/** Headers of an admin call to a service built with testServiceConfig (which carries TEST_ADMIN_TOKEN). */
import { TEST_ADMIN_TOKEN } from '../src/platform/config.ts';

export const adminHeaders = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' } as const;
