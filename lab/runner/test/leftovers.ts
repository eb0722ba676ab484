/** What a run may have left behind in this lane: processes of the lab, open ports, load engines. */
import { readdirSync, readFileSync } from 'node:fs';
import { resolvePorts } from '../../ports.ts';
import { stackStatus } from '../../stack/index.ts';
import { portOpen } from './servers.ts';

/** Load engines (embedded or k6) aimed at this lane's gateway. */
export function loadProcesses(env: NodeJS.ProcessEnv): number[] {
  const marker = `FAULTLINE_BASE_URL=http://127.0.0.1:${resolvePorts(env).gateway}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const engine = cmdline[0]?.endsWith('k6') || cmdline.some((arg) => arg.endsWith('load/cli.ts'));
      if (engine && cmdline.includes(marker)) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

/** One line per thing left behind; empty when the lane is clean. */
export async function leftovers(env: NodeJS.ProcessEnv): Promise<string[]> {
  const found: string[] = [];
  for (const row of await stackStatus(env)) if (row.pid !== null) found.push(`${row.name} still runs (pid ${row.pid})`);
  const ports = resolvePorts(env);
  for (const [name, port] of Object.entries(ports)) if (await portOpen(port)) found.push(`port ${port} (${name}) is still open`);
  for (const pid of loadProcesses(env)) found.push(`a load engine still runs (pid ${pid})`);
  return found;
}
