/** What runs, where, and whether it answers: the rows of `faultline status`. */
import { COMPONENTS } from './components/index.ts';
import { stackContext } from './context.ts';
import { httpOk } from './http.ts';
import { isOurs, readPidFiles } from './processes.ts';
import { readState } from './state.ts';

export interface ComponentStatus {
  name: string;
  kind: 'infra' | 'app';
  port: number;
  /** null when not running (or the pid file points at a process that is no longer ours). */
  pid: number | null;
  health: 'healthy' | 'unhealthy' | 'stopped';
  version: string;
  /** Its web UI, shown under the table while it is healthy. */
  ui?: string;
}

async function settle<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function stackStatus(env: NodeJS.ProcessEnv = process.env): Promise<ComponentStatus[]> {
  const base = stackContext(env);
  const state = readState(base);
  // report against the ports the stack was started with, whatever this shell's offset says
  const ctx = state ? { ...base, ports: state.ports } : base;
  const { records } = readPidFiles(ctx);
  const live = new Map(records.filter(isOurs).map((r) => [r.name, r]));

  const infra = COMPONENTS.map(async (c): Promise<ComponentStatus> => {
    const record = live.get(c.name);
    const row: ComponentStatus = { name: c.name, kind: 'infra', port: c.port(ctx.ports), pid: record?.pid ?? null, health: 'stopped', version: '-' };
    if (!record) return row;
    try {
      await settle(c.probe(ctx), 2000);
      row.health = 'healthy';
      row.version = await settle(c.version(ctx), 2000).catch(() => '?');
      if (c.ui) row.ui = c.ui(ctx.ports);
    } catch {
      row.health = 'unhealthy';
    }
    return row;
  });

  const apps = records
    .filter((r) => r.kind === 'app')
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt)) // start order
    .map(async (r): Promise<ComponentStatus> => {
      const row: ComponentStatus = { name: r.name, kind: 'app', port: r.port, pid: live.has(r.name) ? r.pid : null, health: 'stopped', version: '-' };
      if (row.pid === null) return row;
      try {
        await httpOk(`http://127.0.0.1:${r.port}/readyz`, 2000);
        row.health = 'healthy';
      } catch {
        row.health = 'unhealthy';
      }
      return row;
    });

  return Promise.all([...infra, ...apps]);
}

function alignedRows(lines: string[][]): string[] {
  const widths = (lines[0] ?? []).map((_, i) => Math.max(...lines.map((l) => l[i]?.length ?? 0)));
  return lines.map((line) => line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

/** The status rows as an aligned text table, then the web UIs of the healthy components. */
export function formatStatus(rows: ComponentStatus[]): string {
  const header = ['COMPONENT', 'PORT', 'PID', 'HEALTH', 'VERSION'];
  const cells = rows.map((r) => [r.name, String(r.port), r.pid === null ? '-' : String(r.pid), r.health, r.version]);
  const uis = rows.flatMap((r) => (r.ui ? [[`  ${r.name}`, r.ui]] : []));
  const table = alignedRows([header, ...cells]);
  return (uis.length > 0 ? [...table, '', 'web UIs:', ...alignedRows(uis)] : table).join('\n');
}
