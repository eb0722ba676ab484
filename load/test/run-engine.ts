/** Test fixture: real node:http servers on 127.0.0.1 and the engine's CLI run as a child process on a script written to a temp dir. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';

const CLI = join(import.meta.dirname, '..', 'cli.ts');

export interface TestServer { url: string; /** TCP connections accepted so far. */ connections(): number; close(): Promise<void> }

/** A server answering every request after `delayMs` with the status the path asks for (/status/404) or 200. */
export async function startServer(delayMs = 0): Promise<TestServer> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const status = Number(/^\/status\/(\d{3})/.exec(req.url ?? '')?.[1] ?? 200);
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'text/plain', 'x-test': 'a', 'x-repeated': ['one', 'two'] });
      res.end('hello');
    }, delayMs);
  });
  server.keepAliveTimeout = 60_000;
  let connections = 0;
  server.on('connection', () => { connections += 1; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export interface EngineResult {
  code: number | null;
  stderr: string;
  stdout: string;
  summary: { root_group: Record<string, unknown>; metrics: Record<string, Record<string, number> & { thresholds?: Record<string, boolean> }> } | undefined;
  seconds: Record<string, unknown>[];
}

/** Runs `cli.ts run` on `source` with extra environment `env`; `onStart` gets the child (to watch and signal it). */
export async function runEngine(source: string, args: string[] = [], extra: { onStart?: (child: ChildProcess) => void; env?: Record<string, string> } = {}): Promise<EngineResult> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-load-'));
  const script = join(dir, 'script.ts');
  writeFileSync(script, source);
  const summaryFile = join(dir, 'summary.json');
  const secondsFile = join(dir, 'seconds.ndjson');
  const child = spawn(process.execPath, [CLI, 'run', '--summary-export', summaryFile, '--seconds-out', secondsFile, ...args, script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extra.env } });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  extra.onStart?.(child);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  return {
    code, stderr, stdout,
    summary: existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : undefined,
    seconds: existsSync(secondsFile) ? readFileSync(secondsFile, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) : [],
  };
}

/** The seconds' histograms of one field merged into one. */
export function mergedHistogram(seconds: Record<string, unknown>[], field: 'latency' | 'latencyFromDue' | 'startLag'): ReturnType<typeof hdr.build> {
  const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  for (const second of seconds.slice(1)) merged.add(hdr.decodeFromCompressedBase64(second[field] as string));
  return merged;
}

/** Sum of one numeric field over the seconds (header line excluded). */
export function total(seconds: Record<string, unknown>[], field: string): number {
  return seconds.slice(1).reduce((n, second) => n + (second[field] as number), 0);
}

/** A k6 script with these options: `body` runs in the async default function with `url` (from -e TARGET) in scope. */
export function script(options: Record<string, unknown>, body: string, extra = ''): string {
  return `import http from 'k6/http';
import { check, group } from 'k6';
${extra}
export const options = ${JSON.stringify(options)};
export default async function () {
  const url = __ENV.TARGET;
  ${body}
}
`;
}
