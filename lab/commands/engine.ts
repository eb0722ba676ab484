/** `faultline engine`: the Docker engine the compose runtime uses, started when none answers (root); prints its DOCKER_HOST. */
import type { Command } from 'commander';
import { ensureEngine } from '../stack/compose/engine.ts';
import { stackContext } from '../stack/context.ts';

export function registerEngineCommand(program: Command): void {
  program
    .command('engine')
    .description("print the DOCKER_HOST of a reachable Docker engine, starting the lab's own as root when none runs (faultline down stops it)")
    .action(async () => {
      const engine = await ensureEngine(stackContext());
      process.stdout.write(`${engine.host}\n`);
    });
}
