/**
 * `node load/cli.ts run [options] <script>`: runs a k6 script on the embedded engine with the
 * command line and exit codes of `k6 run` (load/README.md).
 */
import { parseArgs } from 'node:util';
import { EngineError } from './run/errors.ts';
import { leaveRealtimeAtLimit } from './run/realtime-limit.ts';
import { runTest } from './run/test-run.ts';

const USAGE = 'usage: node load/cli.ts run [--summary-export file] [--summary-trend-stats a,b] [--out experimental-prometheus-rw] [--tag k=v]... [-e K=V]... [--seconds-out file] [--workers n] [--execution-segment from:to] [--execution-segment-sequence r1,r2,...] <script>';

function pairs(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new EngineError('options', `${flag} ${value}: write it as KEY=VALUE`);
    out[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'run') throw new EngineError('options', `unknown command "${command ?? ''}"; ${USAGE}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        'summary-export': { type: 'string' },
        'summary-trend-stats': { type: 'string' },
        out: { type: 'string', short: 'o', multiple: true },
        tag: { type: 'string', multiple: true },
        env: { type: 'string', short: 'e', multiple: true },
        quiet: { type: 'boolean', short: 'q' },
        'no-color': { type: 'boolean' },
        'seconds-out': { type: 'string' },
        workers: { type: 'string' },
        'execution-segment': { type: 'string' },
        'execution-segment-sequence': { type: 'string' },
      },
    });
  } catch (error) {
    throw new EngineError('options', `${(error as Error).message}; ${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new EngineError('options', `give exactly one script; ${USAGE}`);
  const outs = values.out ?? [];
  for (const out of outs) {
    if (out !== 'experimental-prometheus-rw') throw new EngineError('options', `--out ${out} is not offered; the engine writes experimental-prometheus-rw (plus --summary-export and --seconds-out)`);
  }
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new EngineError('options', `--workers ${values.workers}: give a whole number from 1 to 64`);
  return runTest({
    script: positionals[0]!,
    summaryExport: values['summary-export'],
    trendStats: values['summary-trend-stats']?.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    cliTags: pairs(values.tag, '--tag'),
    cliEnv: pairs(values.env, '-e'),
    secondsOut: values['seconds-out'],
    remoteWrite: outs.length > 0,
    workers,
    segment: values['execution-segment'],
    sequence: values['execution-segment-sequence'],
  });
}

leaveRealtimeAtLimit((line) => void process.stderr.write(`${line}\n`));
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof EngineError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`engine failure: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 107;
  }
}
// lingering sockets or an abandoned iteration must not keep the engine alive past its run
setTimeout(() => process.exit(), 2000).unref();
