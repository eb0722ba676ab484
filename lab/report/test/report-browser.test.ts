/**
 * The report of a recorded results directory, opened in Debian's headless Chromium: it draws every
 * chart with data, shades the fault windows, shows the hypotheses exactly as summary.json holds
 * them, fetches nothing and logs no error. A screenshot is kept under .lab/report-artifacts/.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { labDir } from '../../paths.ts';
import { renderComparison, writeReport } from '../index.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'cache-stampede');
const WORK = join(labDir(), 'report-browser-test');
const ARTIFACTS = join(labDir(), 'report-artifacts');
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface Summary {
  variants: { name: string }[];
  hypotheses: { name: string; variant: string; observed: number | null; bound: number | null; expected: string; outcome: string }[];
}

let browser: Browser;

beforeAll(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
});

afterAll(async () => {
  await browser?.close();
});

/** Opens a page file and records every console error, page error and request that is not the file itself. */
async function open(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== `file://${path}`) problems.push(`fetched ${r.url()}`);
  });
  await page.goto(`file://${path}`);
  await page.waitForFunction('document.body.dataset.chartsDrawn !== undefined');
  return { page, problems };
}

describe('report.html of a recorded run', () => {
  test('draws every chart with data points, shades the faults and shows the hypotheses of summary.json', async () => {
    const dir = join(WORK, 'run');
    cpSync(FIXTURE, dir, { recursive: true });
    const path = await writeReport(dir);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    const { page, problems } = await open(path);

    const charts = await page.$$eval('.chart', (els) => els.map((el) => ({ chart: el.getAttribute('data-chart'), points: Number(el.getAttribute('data-points') ?? 0), canvas: el.querySelector('canvas')?.width ?? 0, bands: el.querySelectorAll('.fault-band').length })));
    const rows = await page.$$eval('section.row', (els) => els.map((el) => el.getAttribute('data-row')));
    // four load rows, and the app panels the run stored (database queries, cache hit ratio, the scenario's measure)
    expect(rows).toEqual(['arrival', 'latency', 'errors', 'startLag', 'db-queries', 'cache-hit-ratio', 'measure-1']);
    expect(charts).toHaveLength((rows.length + 1) * summary.variants.length);
    for (const c of charts) {
      expect(c.points, `${c.chart} has data points`).toBeGreaterThan(0);
      expect(c.canvas, `${c.chart} is drawn`).toBeGreaterThan(0);
      if (c.chart !== 'distribution') expect(c.bands, `${c.chart} shades the fault`).toBe(1);
    }
    expect(await page.locator('.fault-band span').first().textContent()).toBe('cache_expire on catalog');

    const cells = await page.$$eval('td[data-hypothesis]', (els) => els.map((el) => {
      const number = (name: string) => (el.getAttribute(name) === '' ? null : Number(el.getAttribute(name)));
      return { name: el.getAttribute('data-hypothesis'), variant: el.getAttribute('data-variant'), observed: number('data-observed'), bound: number('data-bound'), expected: el.getAttribute('data-expected'), outcome: el.getAttribute('data-outcome'), text: el.textContent };
    }));
    expect(cells.map(({ text: _text, ...cell }) => cell)).toEqual(summary.hypotheses.map((h) => ({ name: h.name, variant: h.variant, observed: h.observed, bound: h.bound, expected: h.expected, outcome: h.outcome })));
    for (const cell of cells) {
      expect(cell.text).toContain(cell.outcome);
      expect(cell.text).toContain(`(${cell.expected})`);
    }

    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  test('compare puts the same variant of both runs side by side', async () => {
    mkdirSync(WORK, { recursive: true });
    const path = join(WORK, 'compare.html');
    writeFileSync(path, renderComparison(FIXTURE, FIXTURE));
    const { page, problems } = await open(path);
    const heads = await page.$$eval('.hypotheses thead th', (els) => els.map((el) => el.textContent));
    expect(heads).toEqual(['hypothesis', 'phase', 'A · unprotected', 'B · unprotected', 'A · protected', 'B · protected']);
    const points = await page.$$eval('.chart', (els) => els.map((el) => Number(el.getAttribute('data-points') ?? 0)));
    expect(points.length).toBe(8 * 4);
    expect(points.every((n) => n > 0)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'compare.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
