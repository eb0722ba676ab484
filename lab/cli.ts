#!/usr/bin/env node
import { Command } from 'commander';
import { isLabError } from '../errors/lab-error.ts';
import { registerStackCommands } from './commands/stack.ts';
import { registerScenarioCommands } from './commands/scenario.ts';
import { registerTokenCommand } from './commands/token.ts';
import { registerReportCommands } from './commands/report.ts';
import { registerEngineCommand } from './commands/engine.ts';
import { registerDashboardsCommand } from './commands/dashboards.ts';

const program = new Command()
  .name('faultline')
  .description('Chaos and load-testing observability lab')
  .showHelpAfterError('(run faultline --help for the commands)');

registerStackCommands(program);
registerScenarioCommands(program);
registerTokenCommand(program);
registerReportCommands(program);
registerEngineCommand(program);
registerDashboardsCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (isLabError(error)) {
    process.stderr.write(`faultline: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`faultline: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
}
