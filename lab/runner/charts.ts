/**
 * The series behind report.html: k6's request rate and p99 per variant, and every PromQL measure
 * of the hypotheses over time ($window read as a short step), with the fault windows to shade.
 */
import type { Chart } from './report.ts';
import type { PrometheusClient } from './prometheus.ts';
import type { Scenario } from './schema.ts';
import type { VariantOutcome } from './variant.ts';

const STEP_SECONDS = 1;

export async function collectCharts(scenario: Scenario, outcomes: VariantOutcome[], prometheus: PrometheusClient, runId: string, name: string): Promise<Chart[]> {
  const queries: { title: string; query: (variant: string) => string }[] = [
    { title: 'k6 requests per second', query: (v) => `sum(rate(k6_http_reqs_total{variant="${v}",faultline_run="${runId}"}[3s]))` },
    { title: 'k6 p99 latency (s)', query: (v) => `histogram_quantile(0.99, sum(rate(k6_http_req_duration_seconds{variant="${v}",faultline_run="${runId}"}[3s])))` },
  ];
  const seen = new Set<string>();
  for (const h of scenario.hypotheses) {
    if (!('promql' in h.measure) || seen.has(h.measure.promql)) continue;
    const promql = h.measure.promql;
    seen.add(promql);
    queries.push({ title: h.name, query: (v) => promql.replaceAll('$window', '3s').replace(/\$variant\b/g, v).replace(/\$scenario\b/g, name) });
  }
  const charts: Chart[] = [];
  for (const q of queries) {
    const panels = [];
    for (const o of outcomes) {
      const start = o.loadStart / 1000;
      const end = o.loadEnd / 1000;
      const series = await prometheus.range(q.query(o.name), start, end, STEP_SECONDS, `chart '${q.title}'`);
      panels.push({
        variant: o.name,
        duration: Math.round(end - start),
        points: (series[0]?.points ?? []).filter(([, v]) => Number.isFinite(v)).map(([t, v]) => [t - start, v] as [number, number]),
        faults: o.faults.filter((f) => f.appliedAt).map((f) => ({ start: f.appliedAt! / 1000 - start, end: (f.revertedAt ?? o.loadEnd) / 1000 - start, label: `${f.entry.fault} on ${f.entry.target}` })),
      });
    }
    charts.push({ title: q.title, query: q.query(outcomes[0]?.name ?? ''), panels });
  }
  return charts;
}
