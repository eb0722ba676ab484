/** `faultline up | down | status`: the native stack from the command line. */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { labLogsDir, PROJECT_ROOT } from '../paths.ts';
import { formatStatus, stackIsUp, stackStatus, startStack, stopStack } from '../stack/index.ts';

function print(line: string): void {
  // a reader that went away (`faultline up | head`) must not abort a start halfway
  if (process.stdout.writable) process.stdout.write(`${line}\n`);
}

async function up(options: { app?: boolean; replicas?: string }): Promise<void> {
  if (stackIsUp()) {
    print('the stack is already up (faultline down stops it):');
    print(formatStatus(await stackStatus()));
    return;
  }
  // Ctrl-C or SIGTERM while starting: stop what has started, then exit (startStack throws LAB_ERR_INTERRUPTED)
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  try {
    await startStack({
      signal: abort.signal,
      onProgress: (line) => print(`  ${line}`),
      seed: {}, // a stack started by hand should answer with products at once
      ...(options.app === undefined ? {} : { withApp: options.app }),
      ...(options.replicas ? { catalogReplicas: Number(options.replicas) } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  print(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in ${relative(PROJECT_ROOT, labLogsDir())}/, faultline down stops it)`);
  print(formatStatus(await stackStatus()));
}

async function down(): Promise<void> {
  const report = await stopStack();
  for (const note of report.notes) print(`down: ${note}`);
  print(report.stopped.length > 0 ? `down: stopped ${report.stopped.join(', ')}` : 'down: nothing was running');
}

export function registerStackCommands(program: Command): void {
  process.stdout.on('error', () => {});
  program
    .command('up')
    .description('start the native stack: every component on 127.0.0.1, logs in .lab/logs/')
    .option('--app', 'start the target-app services too (default: when target-app exists)')
    .option('--no-app', 'infrastructure only, without the target-app services')
    .option('--replicas <n>', 'catalog instances at start', '1')
    .action(up);
  program.command('down').description('stop everything the lab started, also what a crashed run left behind').action(down);
  program
    .command('status')
    .description('a table of the stack: component, port, pid, health, version')
    .action(async () => print(formatStatus(await stackStatus())));
}
