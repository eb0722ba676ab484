/**
 * Wall time of `make scenario NAME=cache-stampede` in the smoke and full profiles with a warm
 * toolchain, median of 3 each (goals: smoke under 60 s, full under 4 minutes). Prints the
 * medians, their ratio to the goals, and each run's verdict.
 *
 *   node_modules/.bin/node bench/scenario.bench.ts [--runs 3] [--profiles smoke,full]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import { PROJECT_ROOT } from '../lab/paths.ts';
import { readSummaryIn } from '../lab/run-summary/summary.ts';

const GOALS = { smoke: 60, full: 240 } as const;
type Profile = keyof typeof GOALS;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const runs = Number(arg('runs', '3'));
const profiles = arg('profiles', 'smoke,full').split(',') as Profile[];
const results = mkdtempSync(join(tmpdir(), 'faultline-bench-'));

function makeScenario(profile: Profile): Promise<{ seconds: number; code: number | null }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('make', ['--no-print-directory', 'scenario', 'NAME=cache-stampede', `PROFILE=${profile}`], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, FAULTLINE_RESULTS_DIR: results },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code) => resolve({ seconds: (performance.now() - started) / 1000, code }));
  });
}

function lastSummary(): { verdict: string; queries: string } {
  const dir = join(results, 'cache-stampede');
  const last = readdirSync(dir).sort().at(-1)!;
  const summary = readSummaryIn(join(dir, last), { reader: 'the scenario bench' });
  const q = summary.hypotheses.filter((h) => /queries per hot key/.test(h.name)).map((h) => `${h.variant} ${Math.round(h.observed ?? NaN)} queries`);
  const p99 = summary.variants.map((v) => `${v.name} p99 ${v.engine?.metrics.http_req_duration?.['p(99)']?.toFixed(1)} ms`);
  return { verdict: summary.verdict, queries: [...q, ...p99].join(', ') };
}

const rows: string[] = [];
for (const profile of profiles) {
  const times: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const { seconds, code } = await makeScenario(profile);
    const { verdict, queries } = lastSummary();
    times.push(seconds);
    console.log(`${profile} run ${i}: ${seconds.toFixed(1)} s, exit ${code}, ${verdict}: ${queries}`);
  }
  const m = median(times);
  rows.push(`| ${profile} | ${times.map((t) => t.toFixed(1)).join(' / ')} | ${m.toFixed(1)} | ${GOALS[profile]} | ${(m / GOALS[profile]).toFixed(2)} |`);
}
console.log('\n| profile | wall time of each run, s | median, s | goal, s | median / goal |\n|---|---|---|---|---|');
for (const row of rows) console.log(row);
