/**
 * PostgreSQL and Redis clients for the services. pg and ioredis are loaded through require
 * (not import) so that the OpenTelemetry pg/ioredis instrumentations, registered by
 * startTracing, patch them: their spans join the request's trace. Every database query is
 * measured in db_client_operation_duration_seconds (its _count is the query count) and bounded
 * by the request's deadline (resilience/deadline.ts).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { Redis, RedisOptions } from 'ioredis';
import type { Counter, Histogram } from 'prom-client';
import { observe, type ServiceMetrics } from './metrics.ts';
import { DB_SYSTEM_POSTGRES } from '../contracts/telemetry.ts';
import { ProblemError, isProblemError } from './problem.ts';
import { boundByDeadline, currentDeadline, deadlineExceeded, isDeadlineExceeded } from './resilience/deadline.ts';
import { activeTraceIds } from './tracing.ts';

const require = createRequire(import.meta.url);

export interface QueryLabels {
  /** db_operation_name; default: the statement's first keyword (SELECT, INSERT...). */
  operation?: string;
  /** db_collection_name; default: the first table after FROM/INTO/UPDATE. */
  collection?: string;
}

export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], labels?: QueryLabels): Promise<QueryResult<R>>;
}

const OPERATION = /^\s*(?:with\b[\s\S]*?\)\s*)?([a-z]+)/i;
const COLLECTION = /\b(?:from|into|update|join)\s+"?([a-z_][a-z0-9_]*)"?/i;

export function queryLabelsOf(text: string, labels: QueryLabels = {}): { db_system_name: string; db_operation_name: string; db_collection_name: string } {
  return {
    db_system_name: DB_SYSTEM_POSTGRES,
    db_operation_name: labels.operation ?? (OPERATION.exec(text)?.[1] ?? 'OTHER').toUpperCase(),
    db_collection_name: labels.collection ?? COLLECTION.exec(text)?.[1] ?? '',
  };
}

/** Server-side limit a statement keeps when it is at least this share of the time left (fewer SETs). */
const LIMIT_REUSE_RATIO = 0.9;
/** Client-side backstop past the server's statement_timeout, for a connection that no longer answers (ms). */
const READ_TIMEOUT_GRACE_MS = 250;
const QUERY_CANCELED = '57014';
/**
 * statement_timeout of work outside any request (outbox relay, confirmations, cache refreshes),
 * ms: without one, a statement stuck behind a lock or a dead connection holds its pool
 * connection and its loop forever.
 */
export const BACKGROUND_STATEMENT_TIMEOUT_MS = 5_000;

type PoolMetrics = ReturnType<typeof poolMetricsOf>;

/**
 * A pg Pool whose queries are measured and bounded by the request's deadline: the checkout
 * waits no longer than the time left and is refused at once when `maxWaiting` checkouts
 * already wait (503, db_client_connection_rejections_total), its wait is measured
 * (db_client_connection_wait_time_seconds), and each statement runs under a server-side
 * statement_timeout no longer than the time left (cancelled by PostgreSQL itself, so an
 * abandoned request stops costing a backend). The limit is set to 90% of the time left and
 * kept while it stays between 90% and 100% of it (a SET per connection every tenth of the
 * deadline, not per statement): a statement may be cancelled up to a tenth before the deadline. `transaction` runs fn in BEGIN/COMMIT on
 * one client, its limits SET LOCAL.
 */
export class Database implements Queryable {
  readonly pool: Pool;
  private readonly metrics: ServiceMetrics | undefined;
  private readonly poolMetrics: PoolMetrics | undefined;
  private readonly max: number;
  private readonly maxWaiting: number;
  /** statement_timeout outside any request (0 = none). */
  private readonly baseTimeoutMs: number;
  /** The session statement_timeout each connection was last given. */
  private readonly sessionLimits = new WeakMap<PoolClient, number>();
  /** Connections whose statement outlived the client-side backstop: still busy, never reused. */
  private readonly stuck = new WeakSet<PoolClient>();

  constructor(pool: Pool, metrics?: ServiceMetrics, limits: { max?: number; maxWaiting?: number; statementTimeoutMs?: number } = {}) {
    this.pool = pool;
    this.metrics = metrics;
    this.max = limits.max ?? 10;
    this.maxWaiting = limits.maxWaiting ?? 256;
    this.baseTimeoutMs = limits.statementTimeoutMs ?? 0;
    if (metrics) {
      poolGauges(metrics, [pool]);
      this.poolMetrics = poolMetricsOf(metrics);
    }
  }

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], labels?: QueryLabels): Promise<QueryResult<R>> {
    return this.run<R>(text, values, labels, true);
  }

  /** One statement on a pool connection, under the limit the deadline leaves (or the base limit). */
  private async run<R extends QueryResultRow>(text: string, values: unknown[] | undefined, labels: QueryLabels | undefined, measured: boolean): Promise<QueryResult<R>> {
    const client = await this.checkout();
    let broken: unknown;
    try {
      const limit = { current: this.sessionLimits.get(client) ?? this.baseTimeoutMs };
      await this.limitStatement(client, limit, 'SET');
      this.sessionLimits.set(client, limit.current);
      return await this.timed<R>(client, text, values, labels, measured);
    } catch (error) {
      broken = this.stuck.has(client) ? error : connectionBroken(error);
      throw error;
    } finally {
      client.release(broken ? (broken instanceof Error ? broken : true) : undefined);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.checkout();
    const limit = { current: this.sessionLimits.get(client) ?? this.baseTimeoutMs };
    const tx: Queryable = {
      query: async (text, values, labels) => {
        await this.limitStatement(client, limit, 'SET LOCAL');
        return await this.timed(client, text, values, labels);
      },
    };
    let broken: unknown;
    try {
      await this.timed(client, 'BEGIN', undefined, undefined, false);
      const result = await fn(tx);
      await this.timed(client, 'COMMIT', undefined, undefined, false);
      return result;
    } catch (error) {
      broken = this.stuck.has(client) ? error : connectionBroken(error);
      if (!broken) await this.timed(client, 'ROLLBACK', undefined, undefined, false).catch(() => {});
      throw error;
    } finally {
      client.release(broken ? (broken instanceof Error ? broken : true) : undefined);
    }
  }

  /** For /readyz: not a request, not counted, and no SET of its own (a probe every second would churn the connections' limits). */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** A pool connection within the deadline, or a fast refusal when the wait queue is full. */
  private async checkout(): Promise<PoolClient> {
    const { pool } = this;
    if (pool.idleCount === 0 && pool.totalCount >= this.max && pool.waitingCount >= this.maxWaiting) {
      this.poolMetrics?.rejections.inc({ reason: 'queue_full' });
      throw new ProblemError('overloaded', `every database connection is busy and ${this.maxWaiting} requests already wait for one`, { headers: { 'Retry-After': '1' } });
    }
    const started = performance.now();
    const connecting = pool.connect();
    try {
      return await boundByDeadline(connecting, 'db_pool');
    } catch (error) {
      if (isDeadlineExceeded(error)) {
        // The checkout stays queued in pg-pool: hand the connection back the moment it comes.
        connecting.then((client) => client.release(), () => {});
        throw error;
      }
      if (error instanceof Error && /timeout exceeded when trying to connect/.test(error.message)) {
        this.poolMetrics?.rejections.inc({ reason: 'wait_timeout' });
        throw new ProblemError('overloaded', 'no database connection freed in time', { headers: { 'Retry-After': '1' }, cause: error });
      }
      throw error;
    } finally {
      if (this.poolMetrics) observe(this.poolMetrics.waitTime, {}, (performance.now() - started) / 1000);
    }
  }

  /** Gives the next statement a statement_timeout no longer than the deadline leaves (the base limit outside requests). */
  private async limitStatement(client: PoolClient, limit: { current: number }, set: 'SET' | 'SET LOCAL'): Promise<void> {
    const scope = currentDeadline();
    let wanted = this.baseTimeoutMs;
    if (scope) {
      const left = Math.floor(scope.deadline - Date.now());
      if (left <= 0) throw deadlineExceeded('db_statement', scope);
      wanted = this.baseTimeoutMs > 0 ? Math.min(left, this.baseTimeoutMs) : left;
    }
    const keep = scope ? limit.current > 0 && limit.current <= wanted && limit.current >= wanted * LIMIT_REUSE_RATIO : limit.current === wanted;
    if (keep) return;
    // Set the low end of the band, so the limit stays valid while the time left shrinks by a tenth.
    const next = scope ? Math.max(1, Math.floor(wanted * LIMIT_REUSE_RATIO)) : wanted;
    await this.timed(client, `${set} statement_timeout = ${next}`, undefined, undefined, false);
    limit.current = next;
  }

  /** Runs one statement within the deadline; `measured` statements count in db_client_operation_duration_seconds (BEGIN/COMMIT do not). */
  private async timed<R extends QueryResultRow>(client: PoolClient, text: string, values: unknown[] | undefined, labels: QueryLabels | undefined, measured = true): Promise<QueryResult<R>> {
    const scope = currentDeadline();
    const started = performance.now();
    try {
      // Outside a request the base limit bounds the wait on the answer too: a connection that went silent never answers a cancel.
      const left = scope ? Math.max(1, scope.deadline - Date.now()) : this.baseTimeoutMs;
      const readTimeout = left > 0 ? left + READ_TIMEOUT_GRACE_MS : undefined;
      // query_timeout is a per-query option of pg that its types do not list.
      return await client.query<R>({ text, values, ...(readTimeout ? { query_timeout: readTimeout } : {}) } as { text: string; values?: unknown[] });
    } catch (error) {
      if (isReadTimeout(error)) this.stuck.add(client);
      if (scope && (isQueryCanceled(error) || isReadTimeout(error))) throw deadlineExceeded('db_statement', scope);
      throw error;
    } finally {
      if (this.metrics && measured) observe(this.metrics.dbOperationDuration, queryLabelsOf(text, labels), (performance.now() - started) / 1000, activeTraceIds());
    }
  }
}

function isQueryCanceled(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === QUERY_CANCELED;
}

function isReadTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/** The error to release a client with (pg-pool then closes it): anything but an answer from PostgreSQL. */
function connectionBroken(error: unknown): Error | undefined {
  if (isDeadlineExceeded(error) || isProblemError(error)) return undefined;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return undefined;
  return error instanceof Error ? error : new Error(String(error));
}

const poolMetricCache = new WeakMap<ServiceMetrics, { waitTime: Histogram; rejections: Counter<'reason'> }>();

/** Checkout wait (semconv db.client.connection.wait_time) and refused checkouts, once per registry. */
function poolMetricsOf(metrics: ServiceMetrics): { waitTime: Histogram; rejections: Counter<'reason'> } {
  let found = poolMetricCache.get(metrics);
  if (!found) {
    found = {
      waitTime: metrics.histogram({ name: 'db_client_connection_wait_time_seconds', help: 'Time a query waited for a database connection from the pool.' }),
      rejections: metrics.counter({
        name: 'db_client_connection_rejections_total',
        help: 'Checkouts refused with 503: queue_full (maxWaiting already waiting) or wait_timeout (no connection freed in the pool timeout).',
        labelNames: ['reason'],
      }),
    };
    for (const reason of ['queue_full', 'wait_timeout']) found.rejections.inc({ reason }, 0);
    poolMetricCache.set(metrics, found);
  }
  return found;
}

const pools = new WeakMap<ServiceMetrics, Pool[]>();

/** Pool in-flight (semconv db.client.connection.*): connections used and idle, checkouts waiting. */
function poolGauges(metrics: ServiceMetrics, added: Pool[]): void {
  const known = pools.get(metrics);
  if (known) {
    known.push(...added);
    return;
  }
  const list = [...added];
  pools.set(metrics, list);
  metrics.gauge({
    name: 'db_client_connections',
    help: 'Database connections of the pool, by state (used = running a query or in a transaction).',
    labelNames: ['state'],
    collect() {
      const idle = list.reduce((n, p) => n + p.idleCount, 0);
      this.set({ state: 'idle' }, idle);
      this.set({ state: 'used' }, list.reduce((n, p) => n + p.totalCount, 0) - idle);
    },
  });
  metrics.gauge({
    name: 'db_client_connection_pending_requests',
    help: 'Checkouts waiting for a free database connection.',
    collect() {
      this.set(list.reduce((n, p) => n + p.waitingCount, 0));
    },
  });
}

export interface PostgresOptions {
  /** Pool size; default 10. */
  max?: number;
  /** Fail a checkout waiting longer than this (ms); default 2000 (a request's deadline may cut it shorter). */
  connectionTimeoutMillis?: number;
  /** Most checkouts waiting for a connection; one more is refused at once with 503. Default 256. */
  maxWaiting?: number;
  /** Server-side statement_timeout outside requests (ms), with a client-side backstop just past it; default BACKGROUND_STATEMENT_TIMEOUT_MS. Inside a request, the deadline's time left. */
  statementTimeoutMs?: number;
  /** application_name shown in pg_stat_activity. */
  applicationName?: string;
}

export function createDatabase(connectionString: string, metrics?: ServiceMetrics, options: PostgresOptions = {}): Database {
  const pg = require('pg') as typeof import('pg');
  const max = options.max ?? 10;
  const statementTimeoutMs = options.statementTimeoutMs ?? BACKGROUND_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 2_000,
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // An idle client losing its connection (a fault on the proxy) must not crash the process.
  pool.on('error', () => {});
  // Nor may a checked-out one: pg-pool listens only while a client is idle, and a connection reset
  // mid-transaction is emitted on the client too (its queries reject; release() discards it).
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Database(pool, metrics, { max, maxWaiting: options.maxWaiting, statementTimeoutMs });
}

/** An ioredis client; maxRetriesPerRequest bounded so a faulted Redis fails calls instead of queueing forever. */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  const client = new RedisClient(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2_000, ...options });
  client.on('error', () => {});
  return client;
}
