/**
 * Writes every dashboard as the JSON Grafana provisions (dashboards/json/<uid>.json).
 * `node dashboards/generate.ts` writes them; `--check` exits 1 naming the files that differ from
 * what is committed, so CI and the test catch a hand edit or a forgotten regeneration.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS } from './index.ts';

export const JSON_DIR = join(import.meta.dirname, 'json');

/** File name -> JSON text of every dashboard, as the generator writes it. */
export function renderDashboards(): Map<string, string> {
  const files = new Map<string, string>();
  for (const module of DASHBOARDS) files.set(`${module.spec.uid}.json`, `${JSON.stringify(module.build(), null, 2)}\n`);
  return files;
}

/** Files whose committed text differs from the generator's, plus stray and missing ones. */
export function staleFiles(dir = JSON_DIR): string[] {
  const wanted = renderDashboards();
  const present = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const stale = present.filter((f) => wanted.get(f) !== readFileSync(join(dir, f), 'utf8'));
  return [...stale, ...[...wanted.keys()].filter((f) => !present.includes(f))].sort();
}

function main(args: string[]): number {
  if (args.includes('--check')) {
    const stale = staleFiles();
    if (stale.length === 0) return 0;
    process.stderr.write(`dashboards: ${stale.join(', ')} differ from the generator's output: run make dashboards and commit the result\n`);
    return 1;
  }
  const wanted = renderDashboards();
  for (const f of readdirSync(JSON_DIR)) if (f.endsWith('.json') && !wanted.has(f)) rmSync(join(JSON_DIR, f));
  for (const [file, text] of wanted) writeFileSync(join(JSON_DIR, file), text);
  process.stdout.write(`dashboards: wrote ${wanted.size} dashboards to ${JSON_DIR}\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
