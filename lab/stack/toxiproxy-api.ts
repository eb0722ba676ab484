/** The few Toxiproxy API calls the stack makes: reset every toxic, and create the app's proxies. */
import { httpRequest } from './http.ts';

export interface ProxyDefinition {
  name: string;
  /** host:port Toxiproxy listens on */
  listen: string;
  /** host:port it forwards to */
  upstream: string;
}

function base(port: number): string {
  return `http://127.0.0.1:${port}`;
}

async function expect2xx(what: string, response: Promise<{ status: number; body: string }>): Promise<string> {
  const res = await response;
  if (res.status < 200 || res.status > 299) throw new Error(`toxiproxy ${what} answered ${res.status}: ${res.body.trim().slice(0, 200)}`);
  return res.body;
}

/** Removes every toxic and re-enables every proxy (POST /reset). */
export async function resetToxics(apiPort: number, timeoutMs = 2000): Promise<void> {
  await expect2xx('reset', httpRequest('POST', `${base(apiPort)}/reset`, '', timeoutMs));
}

/** Creates the proxies, replacing any of the same name (POST /populate). */
export async function populateProxies(apiPort: number, proxies: ProxyDefinition[]): Promise<void> {
  if (proxies.length === 0) return;
  await expect2xx('populate', httpRequest('POST', `${base(apiPort)}/populate`, proxies.map((p) => ({ ...p, enabled: true }))));
}

export async function deleteProxy(apiPort: number, name: string): Promise<void> {
  const res = await httpRequest('DELETE', `${base(apiPort)}/proxies/${encodeURIComponent(name)}`);
  if (res.status !== 204 && res.status !== 404 && (res.status < 200 || res.status > 299)) throw new Error(`toxiproxy delete ${name} answered ${res.status}`);
}

export async function toxiproxyVersion(apiPort: number): Promise<string> {
  const body = (await expect2xx('version', httpRequest('GET', `${base(apiPort)}/version`))).trim();
  try {
    const parsed = JSON.parse(body) as { version?: string } | string;
    return typeof parsed === 'string' ? parsed : (parsed.version ?? body);
  } catch {
    return body;
  }
}
