/**
 * The lab's one client for Toxiproxy's HTTP API (faults here, proxies and resets in the stack).
 * Every call names the proxy and what it tried in its error, because a fault that silently
 * failed to apply is a run that lies. Hand-written rather than toxiproxy-node-client 4.1.0
 * (ISC): that client sets no request timeout, so a stuck Toxiproxy would hang a fault's revert,
 * and its errors do not say which call failed.
 */
import { LabError } from '../errors/lab-error.ts';
import type { ProxyDefinition } from '../target-app/src/contracts/topology.ts';

export type { ProxyDefinition };
export type Stream = 'upstream' | 'downstream';

export interface Toxic {
  name: string;
  type: string;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, number>;
}

export interface ProxyState extends Required<ProxyDefinition> {
  toxics: Toxic[];
}

export class ToxiproxyClient {
  readonly baseUrl: string;

  readonly timeoutMs: number;

  /** timeoutMs bounds every call (default 5 s): a stuck Toxiproxy must not hang a revert. */
  constructor(port: number, options: { host?: string; timeoutMs?: number } = {}) {
    this.baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async version(): Promise<string> {
    const body = await this.request('GET', '/version', undefined, 'read the version');
    return typeof body === 'string' ? body.trim() : String((body as { version?: string }).version ?? '');
  }

  async isUp(): Promise<boolean> {
    try {
      await this.version();
      return true;
    } catch {
      return false;
    }
  }

  async proxies(): Promise<Record<string, ProxyState>> {
    return (await this.request('GET', '/proxies', undefined, 'list proxies')) as Record<string, ProxyState>;
  }

  async proxy(name: string): Promise<ProxyState> {
    return (await this.request('GET', `/proxies/${encodeURIComponent(name)}`, undefined, `read proxy ${name}`)) as ProxyState;
  }

  /** Creates or replaces every given proxy in one call (Toxiproxy's /populate). */
  async populate(proxies: ProxyDefinition[]): Promise<void> {
    if (proxies.length === 0) return;
    const body = proxies.map((p) => ({ ...p, enabled: p.enabled ?? true }));
    await this.request('POST', '/populate', body, 'populate proxies');
  }

  /** Enables every proxy and removes every toxic: the state no fault survives. */
  async reset(): Promise<void> {
    await this.request('POST', '/reset', undefined, 'reset toxics');
  }

  /** Removes the proxy; one already gone is no error. */
  async deleteProxy(name: string): Promise<void> {
    try {
      await this.request('DELETE', `/proxies/${encodeURIComponent(name)}`, undefined, `delete proxy ${name}`);
    } catch (error) {
      if (!(error instanceof LabError && error.code === 'CHAOS_ERR_TOXIPROXY_NOT_FOUND')) throw error;
    }
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.request('POST', `/proxies/${encodeURIComponent(name)}`, { enabled }, `${enabled ? 'enable' : 'disable'} proxy ${name}`);
  }

  async addToxic(proxy: string, toxic: Toxic): Promise<Toxic> {
    return (await this.request('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, toxic, `add ${toxic.type} toxic to ${proxy}`)) as Toxic;
  }

  async removeToxic(proxy: string, toxicName: string): Promise<void> {
    await this.request('DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxicName)}`, undefined, `remove toxic ${toxicName} from ${proxy}`);
  }

  async toxics(proxy: string): Promise<Toxic[]> {
    return (await this.request('GET', `/proxies/${encodeURIComponent(proxy)}/toxics`, undefined, `list toxics of ${proxy}`)) as Toxic[];
  }

  private async request(method: string, path: string, body: unknown, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new LabError('CHAOS_ERR_TOXIPROXY_UNREACHABLE', `Toxiproxy at ${this.baseUrl} did not answer (${causeOf(error)}) while trying to ${what}: is the stack up? (make up)`);
    }
    const text = await response.text();
    if (!response.ok) {
      const detail = parseError(text) ?? `HTTP ${response.status}`;
      const code = response.status === 404 ? 'CHAOS_ERR_TOXIPROXY_NOT_FOUND' : 'CHAOS_ERR_TOXIPROXY';
      throw new LabError(code, `Toxiproxy refused to ${what}: ${detail}`);
    }
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
}

function parseError(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: string };
    return parsed.error;
  } catch {
    return text.trim() || undefined;
  }
}

function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause;
    return cause?.code ?? error.message;
  }
  return String(error);
}
