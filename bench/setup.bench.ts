/**
 * Warm re-run time of `make setup` (everything already installed and built), in seconds: median of
 * 5 runs, with its parts measured the same way. Goal: under 5 s, so `make test` and
 * `make scenario` can always run setup first. Exits 1 when the median misses the goal.
 *
 *   node_modules/.bin/node bench/setup.bench.ts [runs]
 */
import { spawnSync } from 'node:child_process';
import { median } from 'simple-statistics';
import { PROJECT_ROOT } from '../lab/paths.ts';

const GOAL_SECONDS = 5;
const runs = Number(process.argv[2] ?? 5);

interface Case {
  name: string;
  argv: string[];
}

const cases: Case[] = [
  { name: 'make setup', argv: ['make', '--no-print-directory', 'setup'] },
  { name: '  tools/install-system-packages.sh', argv: ['tools/install-system-packages.sh'] },
  { name: '  tools/build.sh', argv: ['tools/build.sh'] },
];

/** Runs argv in the project root and returns its wall time in seconds; throws when it fails. */
function timeRun(argv: string[]): number {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty command');
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) {
    throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`);
  }
  return seconds;
}

// One untimed run first: it installs or builds whatever is missing, so the timed runs are warm.
process.stdout.write('warming up: make setup (installs or builds what is missing)\n');
timeRun(cases[0]?.argv ?? []);

process.stdout.write(`warm re-run of make setup, median of ${runs} (goal: under ${GOAL_SECONDS} s)\n`);
let setupMedian = 0;
for (const c of cases) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(timeRun(c.argv));
  const m = median(times);
  if (c === cases[0]) setupMedian = m;
  process.stdout.write(
    `  ${c.name.padEnd(36)} ${m.toFixed(3)} s (${(m / GOAL_SECONDS).toFixed(3)}× the goal; runs ${times.map((s) => s.toFixed(3)).join(', ')})\n`,
  );
}
if (setupMedian >= GOAL_SECONDS) {
  process.stdout.write(`make setup warm re-run takes ${setupMedian.toFixed(2)} s: over the ${GOAL_SECONDS} s goal\n`);
  process.exit(1);
}
