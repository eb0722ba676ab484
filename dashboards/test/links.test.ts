/** `faultline dashboards`: links over the newest run's time range, with its scenario, variants and run id filled in. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lab/paths.ts';
import { readSummaryIn, summarySchema, writeSummary } from '../../lab/run-summary/summary.ts';
import { DASHBOARDS } from '../index.ts';

const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
const root = mkdtempSync(join(tmpdir(), 'faultline-links-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A real run's summary (lab/report's fixture) with this run's scenario, window and variant names. */
const RECORDED = readSummaryIn(join(PROJECT_ROOT, 'lab', 'report', 'test', 'fixtures', 'cache-stampede'), { reader: 'a test' });

function writeRun(scenario: string, id: string, startedAt: string, finishedAt: string, variants: string[]): void {
  mkdirSync(join(root, scenario, id), { recursive: true });
  const named = variants.map((name) => ({ ...RECORDED.variants[0]!, name }));
  writeSummary(join(root, scenario, id), summarySchema.parse({ ...RECORDED, scenario, startedAt, finishedAt, variants: named }));
}

function cli(env: NodeJS.ProcessEnv): { code: number; out: string; err: string } {
  try {
    return { code: 0, out: execFileSync(NODE, [join(PROJECT_ROOT, 'lab', 'cli.ts'), 'dashboards'], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), err: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: e.stdout, err: e.stderr };
  }
}

describe('faultline dashboards', () => {
  it('without any run it says so in one line and exits non-zero', () => {
    const result = cli({ FAULTLINE_RESULTS_DIR: join(root, 'none') });
    expect(result.code).not.toBe(0);
    expect(result.err.trim().split('\n')).toHaveLength(1);
    expect(result.err).toContain('no run found');
  });

  it("prints one Prometheus graph link per dashboard with main PromQL, over the newest run's range", () => {
    writeRun('cache-stampede', '20261129-100000', '2026-11-29T10:00:00.000Z', '2026-11-29T10:01:00.000Z', ['old']);
    writeRun('cache-stampede', '20261129-120000', '2026-11-29T12:00:00.000Z', '2026-11-29T12:00:50.000Z', ['unprotected', 'protected']);
    const result = cli({ FAULTLINE_RESULTS_DIR: root, LAB_PORT_OFFSET: '30000' });
    expect(result.code, result.err).toBe(0);
    const links = result.out.split('\n').filter((l) => l.includes('Prometheus: ')).map((l) => new URL(l.split('Prometheus: ')[1]!));
    expect(links).toHaveLength(DASHBOARDS.filter((d) => d.spec.main.some((q) => q.language === 'promql')).length);
    for (const link of links) {
      expect(link.origin).toBe('http://127.0.0.1:39090');
      expect(link.pathname).toBe('/graph');
      expect(link.searchParams.get('g0.range_input')).toBe('50s');
      expect(link.searchParams.get('g0.end_input')).toBe('2026-11-29 12:00:50');
      expect(link.searchParams.get('g0.expr')).not.toContain('$');
    }
    const load = links.find((l) => l.searchParams.get('g0.expr')!.includes('k6_'))!;
    expect(load.searchParams.get('g0.expr')).toContain('variant=~"unprotected|protected",faultline_run=~"20261129-120000"');
  });
});
