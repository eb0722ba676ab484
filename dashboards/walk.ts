/** Reading generated dashboard JSON: its panels (rows flattened) and the queries they run, as Grafana would. */
import type { QueryLanguage } from './queries.ts';

export interface JsonTarget {
  refId?: string;
  expr?: string;
  queryType?: string;
  datasource?: { type?: string; uid?: string };
  [key: string]: unknown;
}

export interface JsonPanel {
  type: string;
  title: string;
  description?: string;
  fieldConfig?: { defaults?: { unit?: string } };
  datasource?: { type?: string; uid?: string };
  targets: JsonTarget[];
  panels?: JsonPanel[];
}

/** Every panel but rows, including those folded into a collapsed row. */
export function panelsOf(board: { panels?: JsonPanel[] }): JsonPanel[] {
  const out: JsonPanel[] = [];
  for (const panel of board.panels ?? []) {
    if (panel.type === 'row') out.push(...panelsOf(panel));
    else out.push({ ...panel, targets: panel.targets ?? [] });
  }
  return out;
}

const LANGUAGES: Record<string, QueryLanguage | 'jaeger'> = { prometheus: 'promql', 'victoriametrics-logs-datasource': 'logsql', jaeger: 'jaeger' };

/** The language a target is written in, from its datasource (or its panel's). */
export function languageOf(target: JsonTarget, panel: JsonPanel): QueryLanguage | 'jaeger' | undefined {
  const type = target.datasource?.type ?? panel.datasource?.type;
  return type ? LANGUAGES[type] : undefined;
}
