/**
 * The conformance suite's own target on 127.0.0.1: a few routes whose answers the k6 outcomes
 * in outcomes.ts are written against, and a count of the requests each path received.
 *
 *   /                         200 "ok"
 *   /status/<n>               status n
 *   /delay/<ms>               200 after ms
 *   /redirect/<code>?to=<p>   code with Location p (default /echo)
 *   /echo                     200, JSON {method, body, contentType}
 *   /reset                    the connection reset (RST) before any answer
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ConformanceServer {
  url: string;
  /** Requests received per path (query excluded) since start. */
  hits(path: string): number;
  close(): Promise<void>;
}

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://target');
  const [, route, arg] = url.pathname.split('/');
  if (route === 'status') return void res.writeHead(Number(arg), { 'content-type': 'text/plain' }).end(`status ${arg}`);
  if (route === 'delay') return void setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), Number(arg));
  if (route === 'redirect') return void res.writeHead(Number(arg), { location: url.searchParams.get('to') ?? '/echo' }).end();
  if (route === 'echo') {
    return void res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ method: req.method, body, contentType: req.headers['content-type'] ?? '' }));
  }
  if (route === 'reset') return void (req.socket as Socket).resetAndDestroy();
  res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
}

export async function startConformanceServer(): Promise<ConformanceServer> {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://target').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString()));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: (path) => counts.get(path) ?? 0,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
