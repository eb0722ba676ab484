/**
 * Queries the lab's real Prometheus over its HTTP API, for the runner (hypotheses, guards) and
 * the report (its panels). A query Prometheus rejects is one LabError quoting Prometheus's own reason.
 */
import { LabError } from '../errors/lab-error.ts';

interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

type QueryData = { resultType: 'vector' | 'matrix'; result: Sample[] } | { resultType: 'scalar' | 'string'; result: [number, string] };

export interface Series {
  labels: Record<string, string>;
  points: [number, number][];
}

export class PromqlError extends LabError {
  constructor(message: string) {
    super('RUN_ERR_PROMQL', message);
  }
}

export class PrometheusClient {
  readonly baseUrl: string;

  constructor(port: number, host = '127.0.0.1') {
    this.baseUrl = `http://${host}:${port}`;
  }

  /** One number from an instant query at `time` (epoch seconds): null when there is no sample or it is NaN. */
  async value(expr: string, time: number, what = 'a query'): Promise<number | null> {
    const data = await this.request('/api/v1/query', { query: expr, time: String(time) }, what);
    if (data.resultType === 'scalar') return finite(Number(data.result[1]));
    if (data.resultType !== 'vector') throw new PromqlError(`${what}: the PromQL returns a ${data.resultType}, not a number: ${expr}`);
    if (data.result.length === 0) return null;
    if (data.result.length > 1) {
      const labels = data.result.slice(0, 2).map((s) => JSON.stringify(s.metric));
      throw new PromqlError(`${what}: the PromQL returns ${data.result.length} series (${labels.join(', ')}, ...), not one number: aggregate it with sum(), max() or the like: ${expr}`);
    }
    return finite(Number(data.result[0]!.value![1]));
  }

  /** Every series of an instant query at `time`, with its labels (NaN samples left out). */
  async vector(expr: string, time: number, what = 'a query'): Promise<{ labels: Record<string, string>; value: number }[]> {
    const data = await this.request('/api/v1/query', { query: expr, time: String(time) }, what);
    if (data.resultType !== 'vector') throw new PromqlError(`${what}: the PromQL returns a ${data.resultType}, not a vector: ${expr}`);
    return data.result.map((s) => ({ labels: s.metric, value: Number(s.value![1]) })).filter((s) => !Number.isNaN(s.value));
  }

  async range(expr: string, start: number, end: number, step: number, what = 'a range query'): Promise<Series[]> {
    const data = await this.request('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) }, what);
    if (data.resultType !== 'matrix') return [];
    return data.result.map((s) => ({ labels: s.metric, points: (s.values ?? []).map(([t, v]) => [t, Number(v)] as [number, number]) }));
  }

  /** Asks Prometheus to evaluate the expression now, only to learn whether it accepts it. */
  async check(expr: string, what: string): Promise<void> {
    await this.request('/api/v1/query', { query: expr, time: String(Date.now() / 1000) }, what);
  }

  async isReady(): Promise<boolean> {
    try {
      return (await fetch(`${this.baseUrl}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  }

  private async request(path: string, params: Record<string, string>, what: string): Promise<QueryData> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new LabError('RUN_ERR_PROMETHEUS', `Prometheus at ${this.baseUrl} did not answer ${what} (${error instanceof Error ? error.message : String(error)}): is the stack up?`);
    }
    const body = (await response.json().catch(() => ({}))) as { status?: string; data?: QueryData; error?: string; errorType?: string };
    if (body.status !== 'success' || !body.data) {
      const reason = body.error ?? `HTTP ${response.status}`;
      if (body.errorType === 'bad_data' || body.errorType === 'execution') throw new PromqlError(`${what}: Prometheus rejected the PromQL (${reason}): ${params.query}`);
      throw new LabError('RUN_ERR_PROMETHEUS', `Prometheus failed ${what}: ${reason}`);
    }
    return body.data;
  }
}

function finite(n: number): number | null {
  return Number.isNaN(n) ? null : n;
}
