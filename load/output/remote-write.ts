/**
 * Prometheus remote write 1.0 sender: a WriteRequest, snappy block-compressed, POSTed with
 * the protocol's headers. Any outcome but a 2xx is one error line naming the URL and the cause.
 */
import { compress } from 'snappyjs';
import { Agent, request } from 'undici';
import { encodeWriteRequest, type Series } from './write-request.ts';

export { NativeHistogramBuilder, type NativeHistogram } from './native-histogram.ts';
export { STALE_NAN, type Labels, type Series } from './write-request.ts';

export class RemoteWriteError extends Error {
  readonly code = 'LOAD_ERR_REMOTE_WRITE';
}

const HEADERS = {
  'Content-Encoding': 'snappy',
  'Content-Type': 'application/x-protobuf',
  'User-Agent': 'faultline-load-engine',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
};

/** How much of a receiver's error body goes into the message. */
const MAX_REASON_CHARS = 200;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS)}...` : line;
}

export class RemoteWriter {
  readonly url: string;
  private readonly timeoutMs: number;
  /** A pool of its own, so pushes never wait behind (or take sockets from) the load's connections. */
  private readonly dispatcher = new Agent({ connections: 2 });

  /** @param options.timeoutMs a request's time limit (default 5000, as k6's remote-write output) */
  constructor(url: string, options: { timeoutMs?: number } = {}) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new RemoteWriteError(
        `remote write URL "${url}" is not an http(s) URL: set K6_PROMETHEUS_RW_SERVER_URL to e.g. http://127.0.0.1:9090/api/v1/write`,
      );
    }
    this.url = parsed.href;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Sends the samples in one request; resolves once the receiver answered 2xx. */
  async write(series: Series[]): Promise<void> {
    if (series.length === 0) return;
    const body = compress(encodeWriteRequest(series));
    let statusCode: number;
    let reason: string;
    try {
      const response = await request(this.url, { method: 'POST', headers: HEADERS, body, dispatcher: this.dispatcher, signal: AbortSignal.timeout(this.timeoutMs) });
      statusCode = response.statusCode;
      const ok = statusCode >= 200 && statusCode < 300;
      reason = ok ? '' : oneLine(await response.body.text());
      if (ok) await response.body.dump();
    } catch (err) {
      const e = err as Error & { code?: string };
      const cause = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (e.code ?? e.message);
      throw new RemoteWriteError(`remote write to ${this.url} failed: ${oneLine(cause)}: is Prometheus running there with --web.enable-remote-write-receiver?`);
    }
    if (statusCode < 200 || statusCode >= 300) {
      throw new RemoteWriteError(`remote write to ${this.url} failed: HTTP ${statusCode}${reason ? `: ${reason}` : ''}`);
    }
  }
}
