/**
 * The dashboards as Grafana gets them: the committed JSON is exactly the generator's output, and
 * every dashboard and panel has what the lab promises (stable uid, the three variables, the fault
 * annotation, a unit and a healthy/broken description on every panel, only defined queries).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lab/paths.ts';
import { JAEGER, PROMETHEUS, VICTORIA_LOGS } from '../datasources.ts';
import { JSON_DIR, renderDashboards, staleFiles } from '../generate.ts';
import { DASHBOARDS } from '../index.ts';
import * as queries from '../queries.ts';
import { panelsOf } from '../walk.ts';

const defined = new Set(
  (Object.values(queries) as unknown[])
    .filter((v): v is Record<string, queries.QueryDefinition> => typeof v === 'object' && v !== null && !('expr' in v))
    .flatMap((group) => Object.values(group).map((q) => q.expr))
    .filter((expr) => typeof expr === 'string'),
);

describe('dashboards', () => {
  it('the committed JSON is what the generator writes (run make dashboards after a change)', () => {
    expect(staleFiles()).toEqual([]);
    for (const [file, text] of renderDashboards()) expect(readFileSync(join(JSON_DIR, file), 'utf8')).toBe(text);
  });

  it('every datasource the dashboards name is provisioned under that uid', () => {
    const provisioned = readFileSync(join(PROJECT_ROOT, 'observability', 'grafana', 'provisioning', 'datasources', 'faultline.yml'), 'utf8');
    const named = new Set([...renderDashboards().values()].flatMap((text) => [...text.matchAll(/"uid": "([^"]+)"/g)].map((m) => m[1]!)));
    for (const uid of [PROMETHEUS.uid, VICTORIA_LOGS.uid, JAEGER.uid]) {
      expect(named.has(uid!), uid).toBe(true);
      expect(provisioned).toContain(`uid: ${uid}\n`);
    }
  });

  it('uids are stable and unique', () => {
    const uids = DASHBOARDS.map((d) => d.build().uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids).toEqual(DASHBOARDS.map((d) => d.spec.uid));
  });

  for (const module of DASHBOARDS) {
    const board = JSON.parse(renderDashboards().get(`${module.spec.uid}.json`)!) as Record<string, any>;
    it(`${module.spec.uid}: scenario/variant/run variables and the fault annotation`, () => {
      expect(board.templating.list.map((v: { name: string }) => v.name)).toEqual(['scenario', 'variant', 'run']);
      const faults = board.annotations.list.find((a: { name: string }) => a.name === 'faults');
      expect(faults?.expr).toContain('faultline_fault_active');
    });

    it(`${module.spec.uid}: every panel has a unit, a healthy/broken description and only queries from queries.ts`, () => {
      const panels = panelsOf(board);
      expect(panels.length).toBeGreaterThan(0);
      for (const panel of panels) {
        expect(panel.fieldConfig?.defaults?.unit, panel.title).toBeTruthy();
        expect(panel.description, panel.title).toMatch(/^Healthy: .+ Broken: .+/);
        for (const target of panel.targets) if (target.expr !== undefined) expect(defined.has(target.expr), `${panel.title}: ${target.expr}`).toBe(true);
      }
    });
  }
});
