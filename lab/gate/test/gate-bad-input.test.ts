import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.ts';
import { BASELINE_SCHEMA, baselineMismatches, machineShape, readBaseline, type Baseline } from '../baseline.ts';

const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
const scratch = mkdtempSync(join(tmpdir(), 'faultline-gate-'));

/** The gate's CLI with a scratch results and lab dir; nothing it could start may outlive the test. */
function gate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(NODE, [join(PROJECT_ROOT, 'lab', 'gate', 'cli.ts'), '--benchmark', 'perf-gate', ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, FAULTLINE_RESULTS_DIR: join(scratch, 'results'), LAB_DIR: join(scratch, 'lab'), ...env },
  });
  return { status: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
}

afterAll(() => {
  spawnSync('git', ['worktree', 'prune'], { cwd: PROJECT_ROOT });
  rmSync(scratch, { recursive: true, force: true });
});

describe('gate bad input: one line, exit 2, nothing started', () => {
  it('a missing baseline names make gate-baseline and AGAINST', () => {
    const r = gate(['--baseline', join(scratch, 'none.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no baseline at .*make gate-baseline.*AGAINST=/);
  });

  it('a baseline that is not JSON, or not of the schema, says so and how to renew it', () => {
    const broken = join(scratch, 'broken.json');
    writeFileSync(broken, '{"schema": ');
    const notJson = gate(['--baseline', broken]);
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toMatch(/is not JSON: write it again with make gate-baseline/);
    writeFileSync(broken, JSON.stringify({ schema: 'faultline.gate-baseline/v1', runs: [] }));
    const wrong = gate(['--baseline', broken]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr.split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(/is not a faultline.gate-baseline\/v2 baseline .*make gate-baseline/);
  });

  it('a git ref that does not exist', () => {
    const r = gate(['--against', 'origin/no-such-branch-here']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/git ref 'origin\/no-such-branch-here' does not exist here: fetch it first/);
  });

  it('a git ref whose lab CLI does not start does not build', () => {
    // a commit like HEAD but with a broken lab/cli.ts, made without touching any branch or the checkout
    const git = (args: string[], input?: string, env: NodeJS.ProcessEnv = {}) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', input, env: { ...process.env, ...env } }).trim();
    const index = { GIT_INDEX_FILE: join(scratch, 'index') };
    const blob = git(['hash-object', '-w', '--stdin'], 'import { nothing } from "./no-such-module.ts";\n');
    git(['read-tree', 'HEAD'], undefined, index);
    git(['update-index', '--cacheinfo', `100644,${blob},lab/cli.ts`], undefined, index);
    const tree = git(['write-tree'], undefined, index);
    const commit = git(['commit-tree', tree, '-p', 'HEAD', '-m', 'broken cli'], undefined, { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' });
    const r = gate(['--against', commit]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`${commit} does not build: its lab/cli.ts fails to start`));
    spawnSync('git', ['worktree', 'remove', '--force', join(scratch, 'lab', 'gate', 'builds', commit.slice(0, 12))], { cwd: PROJECT_ROOT });
  });

  it('options out of range', () => {
    const r = gate(['--rounds', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--rounds.*whole number from 1 to 50/);
  });

  it('a v2 baseline written before the hot path\'s tail mean was a figure still reads, that figure as no data', () => {
    const file = join(scratch, 'older-v2.json');
    const figures = { p50: 4, p95: 12, p99: 20, hotP95: 8, errorRate: 0, cpuPerRequest: 0.005, achieved: 1 };
    const older = { schema: BASELINE_SCHEMA, createdAt: '2026-12-06T00:00:00.000Z', gitCommit: null, benchmark: { scenario: 'perf-gate', profile: 'smoke', variant: 'baseline', digest: 'aaaa' }, machine: machineShape(), runs: [{ dir: 'r1', exitCode: 0, figures }] };
    writeFileSync(file, JSON.stringify(older));
    expect(readBaseline(file).runs[0]!.figures).toEqual({ ...figures, hotTailMean: null });
  });

  it('a baseline from another benchmark or machine is a warning, not a refusal', () => {
    const baseline = {
      benchmark: { scenario: 'perf-gate', profile: 'smoke', variant: 'baseline', digest: 'aaaa' },
      machine: { cpus: 64, memoryGiB: 512, node: 'v22.0.0' },
    } as Baseline;
    const warnings = baselineMismatches(baseline, { ...baseline.benchmark, digest: 'bbbb' }, machineShape());
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/another benchmark .*still compared/);
    expect(warnings[1]).toMatch(/another machine shape \(64 cores.*still compared/);
  });
});
