/**
 * A soak: the native stack with the app under the perf-gate mix (hot and cold reads, list pages,
 * orders, through the gateway) at half its measured capacity for 30 minutes. Capacity is
 * measured first, on the same machine in the same conditions (bench/soak/capacity.ts: a step-up
 * of the arrival rate until failures, dropped iterations or p95 break), unless given.
 * A progress line per minute (rate, p99, failures, memory per process, load average); at the end the
 * verdict per criterion (bench/soak/verdict.ts: memory growth per service and store of the shop
 * under 10% after the warm-up minutes, the lab's instruments shown beside them; no failed request;
 * p99 drift under 20%) and the per-minute figures in
 * results/soak/<time>/soak.json, plotted in soak.html (bench/soak/plot.ts), beside the engine's
 * own files. Exit 1 when a criterion fails.
 *
 *   LAB_PORT_OFFSET=<yours> node_modules/.bin/node bench/soak.bench.ts [--minutes 30] [--warmup 5] [--capacity <req/s> | --rate <req/s>]
 *
 * --minutes 2 --warmup 1 tries it short. --capacity skips the probe (the soak runs at half of
 * it); --rate sets the soak's rate itself.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { labDir, PROJECT_ROOT, resultsRoot } from '../lab/paths.ts';
import { startStack, stopStack } from '../lab/stack/index.ts';
import { mintToken } from '../target-app/src/contracts/customer-token.ts';
import { probeCapacity, type Capacity } from './soak/capacity.ts';
import { MIX_TOPOLOGY, startMix, type MixRun } from './soak/mix-load.ts';
import { loadAverage, MinuteReader, progressLine, MemorySampler, type Minute } from './soak/minutes.ts';
import { writeSoakPlot } from './soak/plot.ts';
import { judgeSoak, verdictTable } from './soak/verdict.ts';

const USAGE = 'usage: bench/soak.bench.ts [--minutes N (default 30)] [--warmup N (default 5, fewer than --minutes)] [--capacity req/s | --rate req/s]';
/** The engine writes a second's line 3 s after it ends (late samples settle), on a 1 s tick: the reader waits this long past each minute. */
const FLUSH_SLACK_MS = 6_000;

function options(): { minutes: number; warmup: number; capacity?: number; rate?: number } {
  let values;
  try {
    values = parseArgs({ options: { minutes: { type: 'string', default: '30' }, warmup: { type: 'string', default: '5' }, capacity: { type: 'string' }, rate: { type: 'string' } } }).values;
  } catch (error) {
    return fail(`${(error as Error).message}; ${USAGE}`);
  }
  const whole = (name: string, raw: string | undefined, min: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) fail(`--${name} ${raw} is not a whole number of at least ${min}; ${USAGE}`);
    return n;
  };
  const minutes = whole('minutes', values.minutes, 2)!;
  const warmup = whole('warmup', values.warmup, 1)!;
  if (warmup >= minutes) fail(`--warmup ${warmup} leaves no minute to judge in --minutes ${minutes}: give a warm-up shorter than the soak (e.g. --minutes 2 --warmup 1); ${USAGE}`);
  if (values.capacity !== undefined && values.rate !== undefined) fail(`give --capacity or --rate, not both; ${USAGE}`);
  const capacity = whole('capacity', values.capacity, 2);
  const rate = whole('rate', values.rate, 1);
  return { minutes, warmup, ...(capacity === undefined ? {} : { capacity }), ...(rate === undefined ? {} : { rate }) };
}

function fail(message: string): never {
  process.stderr.write(`soak: ${message}\n`);
  process.exit(2);
}

const opts = options();
const env: NodeJS.ProcessEnv = { ...process.env, LAB_DIR: join(labDir(process.env), 'bench-soak') };
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = join(resultsRoot(env), 'soak', stamp);
mkdirSync(resultsDir, { recursive: true });
const out = (line: string) => process.stdout.write(line);
const sleepUntil = (epochMs: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));

let stopping = false;
process.once('SIGINT', () => {
  // the engine has a pid file in the bench's lab dir: stopping the stack ends it too
  stopping = true;
  out('\nsoak: interrupted, stopping the stack\n');
  void stopStack(env).finally(() => process.exit(130));
});

const loadBefore = loadAverage();
const startedAt = Date.now();
out(`soak: native stack with the app (perf-gate topology, ${MIX_TOPOLOGY.products} products), lab dir ${relative(PROJECT_ROOT, labDir(env))}, load average ${loadBefore}\n`);
const stack = await startStack({ env, withApp: true, appConfig: MIX_TOPOLOGY.config, seed: { products: MIX_TOPOLOGY.products } });
let verdictPass = false;
try {
  const ttlSeconds = opts.minutes * 60 + 3600;
  const run: MixRun = { stack, token: await mintToken({ secret: stack.secrets.jwtSecret, subject: 'soak', ttlSeconds }), resultsDir, runId: `soak-${stamp}` };

  let capacity: Capacity | { rate: number; given: true } | undefined;
  let soakRate: number;
  if (opts.rate !== undefined) {
    soakRate = opts.rate;
    out(`soak rate ${soakRate}/s as given (no capacity measured)\n`);
  } else if (opts.capacity !== undefined) {
    capacity = { rate: opts.capacity, given: true };
    soakRate = Math.floor(opts.capacity / 2);
    out(`capacity ${opts.capacity}/s as given: soak rate ${soakRate}/s\n`);
  } else {
    out('measuring capacity: a step-up of the arrival rate, 20 s a step, until failures, dropped iterations or p95 break\n');
    const measured = await probeCapacity(run, (s) =>
      out(`  ${String(s.rate).padStart(4)}/s: ${s.achieved.toFixed(1)}/s done, p95 ${s.p95Ms.toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms, failed ${(s.failedShare * 100).toFixed(2)}%, dropped ${(s.droppedShare * 100).toFixed(2)}%, load ${loadAverage()}: ${s.broke ?? 'held'}\n`),
    );
    if (measured.rate === 0) throw new Error(`the lightest step (${measured.steps[0]!.rate}/s) already broke (${measured.steps[0]!.broke}): the machine is too busy to measure a capacity; try again later or give --capacity`);
    if (measured.steps.every((s) => s.broke === null)) out(`  no step broke: the capacity is at least ${measured.rate}/s, the highest step\n`);
    capacity = measured;
    soakRate = Math.floor(measured.rate / 2);
    out(`capacity ${measured.rate}/s (p95 limit ${measured.p95LimitMs.toFixed(0)} ms): soak rate ${soakRate}/s\n`);
  }

  out(`soak: ${soakRate}/s for ${opts.minutes} min, warm-up ${opts.warmup} min, figures in ${relative(PROJECT_ROOT, resultsDir)}\n`);
  const { load, secondsFile } = startMix(run, 'soak', soakRate, opts.minutes * 60);
  const t0 = await load.started;
  const reader = new MinuteReader(secondsFile, t0);
  const minutes: Minute[] = [];
  const ended = load.done.then(
    () => null,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  const memory = new MemorySampler(stack);
  try {
    for (let m = 1; m <= opts.minutes && !stopping; m++) {
      // an engine that fails mid-soak ends the wait, not 30 minutes of sleeping
      if ((await Promise.race([sleepUntil(t0 + m * 60_000 + FLUSH_SLACK_MS), ended])) instanceof Error) break;
      const minute = reader.minute(m, memory);
      minutes.push(minute);
      out(progressLine(minute, opts.minutes, soakRate));
    }
  } finally {
    memory.stop();
  }
  const engineError = await ended;
  if (engineError) throw engineError;

  const verdict = judgeSoak(minutes, reader.histograms, opts.warmup);
  verdictPass = verdict.pass;
  const loadAverages = minutes.map((m) => m.loadAverage);
  const wallMinutes = (Date.now() - startedAt) / 60_000;
  out(
    `\nsoak verdict: ${verdict.pass ? 'PASS' : 'FAIL'} (${soakRate}/s for ${opts.minutes} min, warm-up ${opts.warmup} min; load average ${loadBefore} before, ` +
      `${Math.min(...loadAverages).toFixed(1)}-${Math.max(...loadAverages).toFixed(1)} during; ${wallMinutes.toFixed(1)} min wall)\n\n`,
  );
  out(verdictTable(verdict));
  const file = join(resultsDir, 'soak.json');
  writeFileSync(file, `${JSON.stringify({ startedAt: new Date(startedAt).toISOString(), options: opts, soakRate, capacity, loadAverageBefore: loadBefore, minutes, verdict }, null, 2)}\n`);
  out(`\nper-minute figures: ${relative(PROJECT_ROOT, file)}, plotted in ${relative(PROJECT_ROOT, writeSoakPlot(file))}\n`);
} finally {
  if (!stopping) await stopStack(env);
  if (!stopping) rmSync(labDir(env), { recursive: true, force: true });
}
process.exit(verdictPass ? 0 : 1);
