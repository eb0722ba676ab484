/** The target app's database: schema, seed data and the instrumented pool the services share. */
export { migrate } from './migrations.ts';
export { seed, type SeedOptions } from './seed.ts';
