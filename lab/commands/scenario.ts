/**
 * `faultline list` and `faultline run <name>`: the scenario commands of the CLI. The exit code is
 * the verdict: 0 passed, 1 a hypothesis failed, 2 the run broke, 3 inconclusive, 130 interrupted.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isLabError } from '../../errors/lab-error.ts';
import { keepVariantTraces, writeReport } from '../report/index.ts';
import { ENGINES, type EngineName } from '../runner/load-engine.ts';
import { runScenario } from '../runner/run.ts';
import { loadScenario, scenarioNames } from '../runner/scenarios.ts';
import type { ProfileName } from '../runner/schema.ts';

export function registerScenarioCommands(program: Command): void {
  program
    .command('list')
    .description('list the scenarios with their one-line purpose')
    .action(async () => {
      const names = scenarioNames();
      if (names.length === 0) process.stdout.write('no scenarios yet: add a folder under scenarios/ with scenario.ts and load.ts\n');
      const width = Math.max(0, ...names.map((n) => n.length));
      for (const name of names) {
        try {
          const { scenario } = await loadScenario(name);
          const variants = Object.keys(scenario.variants).join(' vs ');
          process.stdout.write(`${name.padEnd(width)}  ${scenario.title} (${variants})\n`);
        } catch (error) {
          process.stdout.write(`${name.padEnd(width)}  INVALID: ${isLabError(error) ? error.message : String(error)}\n`);
        }
      }
    });

  program
    .command('run')
    .description('run a scenario to its verdict: exit 0 passed, 1 failed, 2 broken, 3 inconclusive')
    .argument('<name>', 'the scenario (make scenarios lists them)')
    .addOption(new Option('--profile <profile>', 'smoke (under a minute) or full').choices(['smoke', 'full']).default('full'))
    .option('--variant <variant>', 'run only this variant')
    .option('--keep', 'leave the stack running afterwards (make down stops it)', false)
    .addOption(new Option('--engine <engine>', 'the load engine: embedded (load/, the default) or k6 (a k6 binary on PATH)').choices([...ENGINES]).default('embedded'))
    .addOption(new Option('--workers <n>', 'worker threads of the embedded engine').argParser(workerCount).default(1))
    .addOption(new Option('--load-processes <n>', "engine processes per variant, each running k6's execution segment i of n").argParser(processCount).default(1))
    .action(async (name: string, options: { profile: ProfileName; variant?: string; keep: boolean; engine: EngineName; workers: number; loadProcesses: number }) => {
      const summary = await runScenario({
        name,
        profile: options.profile,
        keep: options.keep,
        engine: options.engine,
        workers: options.workers,
        loadProcesses: options.loadProcesses,
        env: process.env,
        out: process.stdout,
        writeReport,
        keepTraces: keepVariantTraces,
        ...(options.variant ? { variant: options.variant } : {}),
      });
      // open keep-alive sockets must not hold the verdict back
      process.exit(summary.exitCode);
    });
}

function processCount(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError('--load-processes (LOAD_PROCESSES) takes a whole number from 1 to 16');
  return n;
}

function workerCount(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError('--workers takes a whole number from 1 to 16');
  return n;
}
