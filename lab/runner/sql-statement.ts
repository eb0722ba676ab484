/**
 * What a read-only SQL measure may say, and how its placeholders become bind parameters (the
 * runner runs it in sql-measure.ts). Checked when the scenario loads: one SELECT or WITH, one
 * statement, named placeholders only: `$variant`, `$scenario` (text), `$from`, `$to` (the
 * phase's window, timestamptz) and `$k6.<metric>.<stat>` (a number from the variant's k6 summary).
 * Placeholders are bound, never pasted into the text; comments and quoted text are left alone.
 */
import type { Window } from './phases.ts';

export const SQL_COUNTS = ['orders-without-event-outcome'] as const;
export type SqlCount = (typeof SQL_COUNTS)[number];

const K6_STAT = String.raw`(?:count|rate|avg|min|med|max|value|passes|fails|p\(\d+(?:\.\d+)?\))`;
const NAME = String.raw`k6\.[A-Za-z_][A-Za-z0-9_]*\.${K6_STAT}(?![A-Za-z0-9_])|[A-Za-z_][A-Za-z0-9_]*|\d+`;
/** Comments and quoted text (group 1, left alone), or a placeholder (group 2). */
const SEGMENT = String.raw`(--[^\n]*|/\*[\s\S]*?\*/|'(?:[^']|'')*'|"(?:[^"]|"")*")|\$(${NAME})`;
const NAMED = new Set(['variant', 'scenario', 'from', 'to']);

/** The placeholders of the statement, outside comments and quoted text. */
function placeholders(sql: string): string[] {
  return [...sql.matchAll(new RegExp(SEGMENT, 'g'))].flatMap((m) => (m[2] === undefined ? [] : [m[2]]));
}

/** The statement with comments and quoted text blanked, so only its own words are judged. */
function bareWords(sql: string): string {
  return sql.replace(new RegExp(SEGMENT, 'g'), (whole, quoted: string | undefined) => (quoted === undefined ? whole : ' '));
}

/** Why the text is not a statement the measure runs, or undefined when it is (one line, naming the fix). */
export function sqlRefusal(sql: string): string | undefined {
  const bare = bareWords(sql).trim();
  const first = /^[A-Za-z]+/.exec(bare)?.[0] ?? bare.slice(0, 12);
  if (!/^(select|with)$/i.test(first)) return `a SQL measure only reads: start the statement with SELECT or WITH, not '${first}'`;
  if (bare.replace(/;\s*$/, '').includes(';')) return 'a SQL measure is one statement: remove the inner ;';
  if (/\$\$|\$[A-Za-z_][A-Za-z0-9_]*\$/.test(bare)) return 'dollar-quoted text is not supported in a SQL measure: use single quotes';
  for (const name of placeholders(sql)) {
    if (/^\d+$/.test(name)) return `positional parameter $${name} in a SQL measure: use the named placeholders $variant, $scenario, $from, $to or $k6.<metric>.<stat>`;
    if (name === 'k6') return 'a k6 placeholder in a SQL measure is $k6.<metric>.<stat>, stat one of count, rate, avg, min, med, max, value, passes, fails, p(N)';
    if (!NAMED.has(name) && !name.startsWith('k6.')) return `unknown placeholder $${name} in a SQL measure: use $variant, $scenario, $from, $to or $k6.<metric>.<stat>`;
  }
  return undefined;
}

/** Whether the statement reads the variant's k6 summary (which covers the whole run). */
export function usesK6(sql: string): boolean {
  return placeholders(sql).some((name) => name.startsWith('k6.'));
}

export interface SqlBinding {
  variant: string;
  scenario: string;
  window: Window;
  k6?: Record<string, Record<string, number>>;
}

/**
 * The statement with its placeholders as bind parameters ($1, $2, ...) and their values; the
 * text for the summary shows the values. A k6 value the summary lacks makes the measure no-data.
 */
export function bindSql(sql: string, b: SqlBinding): { text: string; values: (string | number)[]; shown: string; missing?: string } {
  const values: (string | number)[] = [];
  const index = new Map<string, number>();
  let missing: string | undefined;
  const valueOf = (name: string): string | number => {
    if (name === 'variant') return b.variant;
    if (name === 'scenario') return b.scenario;
    if (name === 'from') return b.window.start;
    if (name === 'to') return b.window.end;
    const [, metric, stat] = /^k6\.([^.]+)\.(.+)$/.exec(name)!;
    const found = b.k6?.[metric!]?.[stat!];
    if (found === undefined || Number.isNaN(found)) {
      missing ??= `k6 ${metric} ${stat}`;
      return Number.NaN;
    }
    return found;
  };
  const cast = (name: string, n: number) => (name === 'variant' || name === 'scenario' ? `$${n}::text` : name === 'from' || name === 'to' ? `to_timestamp($${n}::float8)` : `$${n}::float8`);
  // Placeholders are replaced outside comments and quoted text only.
  const text = sql.replace(new RegExp(SEGMENT, 'g'), (whole, quoted: string | undefined, name: string | undefined) => {
    if (quoted !== undefined || name === undefined) return whole;
    let n = index.get(name);
    if (n === undefined) {
      values.push(valueOf(name));
      n = values.length;
      index.set(name, n);
    }
    return cast(name, n);
  });
  const shown = `sql: ${oneLine(sql)} [${[...index.keys()].map((name) => `$${name}=${display(values[index.get(name)! - 1]!, name)}`).join(', ')}]`;
  return { text, values, shown, ...(missing ? { missing } : {}) };
}

function display(value: string | number, name: string): string {
  if (name === 'from' || name === 'to') return new Date(Number(value) * 1000).toISOString();
  return String(value);
}

export function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
