/**
 * Calls to catalog: an instance picked by the pool, retried by the retry policy, and with
 * failover on at least one more attempt on another instance; each attempt's outcome feeds
 * the pool's outlier detection.
 */
import { HttpClient, type HttpResult } from '../../platform/http-client.ts';
import type { Retrier } from '../../platform/resilience/retry.ts';
import { ProblemError } from '../../platform/problem.ts';
import type { CatalogPool } from './catalog-pool.ts';
import { failOn5xx, isRetryable } from './forward.ts';

export class CatalogClient {
  private readonly http: HttpClient;
  private readonly pool: CatalogPool;
  private readonly retrier: Retrier;
  private readonly timeoutMs: () => number;

  constructor(options: { http: HttpClient; pool: CatalogPool; retrier: Retrier; timeoutMs: () => number }) {
    this.http = options.http;
    this.pool = options.pool;
    this.retrier = options.retrier;
    this.timeoutMs = options.timeoutMs;
  }

  /** GET `path` from some catalog instance; 5xx and no-answer throw after the retries. */
  async get(path: string, deadline: number): Promise<HttpResult> {
    const tried = new Set<string>();
    return await this.retrier.run({
      deadline,
      retryable: isRetryable,
      attempt: async () => {
        const origin = this.pool.pick(tried);
        if (!origin) throw new ProblemError('upstream-unavailable', 'no catalog instance is known to the gateway');
        tried.add(origin);
        try {
          const result = failOn5xx('catalog', await this.http.request({ origin, path, deadline, timeoutMs: this.timeoutMs() }));
          this.pool.record(origin, true);
          return result;
        } catch (error) {
          this.pool.record(origin, false);
          throw error;
        }
      },
    });
  }
}
