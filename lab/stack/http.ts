/** Small loopback HTTP client for health probes and control APIs: no keep-alive, so a finished CLI exits at once. */
import { request } from 'node:http';

export interface HttpResponse {
  status: number;
  body: string;
}

export function httpRequest(method: string, url: string, body?: unknown, options: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<HttpResponse> {
  const timeoutMs = options.timeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: { ...options.headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** GET that must answer 2xx; returns the body. */
export async function httpOk(url: string, timeoutMs = 2000): Promise<string> {
  const res = await httpRequest('GET', url, undefined, { timeoutMs });
  if (res.status < 200 || res.status > 299) throw new Error(`GET ${url} answered ${res.status}: ${res.body.trim().slice(0, 200)}`);
  return res.body;
}
