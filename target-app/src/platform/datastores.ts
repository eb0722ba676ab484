/**
 * PostgreSQL and Redis clients for the services. pg and ioredis are loaded through require
 * (not import) so that the OpenTelemetry pg/ioredis instrumentations, registered by
 * startTracing, patch them: their spans join the request's trace. Every database query is
 * measured in db_client_operation_duration_seconds (its _count is the query count).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { Redis, RedisOptions } from 'ioredis';
import { observe, type ServiceMetrics } from './metrics.ts';
import { DB_SYSTEM_POSTGRES } from '../contracts/telemetry.ts';
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

/** A pg Pool whose queries are measured; `transaction` runs fn in BEGIN/COMMIT on one client. */
export class Database implements Queryable {
  readonly pool: Pool;
  private readonly metrics: ServiceMetrics | undefined;

  constructor(pool: Pool, metrics?: ServiceMetrics) {
    this.pool = pool;
    this.metrics = metrics;
    if (metrics) poolGauges(metrics, [pool]);
  }

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], labels?: QueryLabels): Promise<QueryResult<R>> {
    return this.timed(this.pool, text, values, labels);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Queryable = { query: (text, values, labels) => this.timed(client, text, values, labels) };
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** For /readyz. */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async timed<R extends QueryResultRow>(target: Pool | PoolClient, text: string, values: unknown[] | undefined, labels: QueryLabels | undefined): Promise<QueryResult<R>> {
    const started = performance.now();
    try {
      return await target.query<R>(text, values);
    } finally {
      if (this.metrics) observe(this.metrics.dbOperationDuration, queryLabelsOf(text, labels), (performance.now() - started) / 1000, activeTraceIds());
    }
  }
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
  /** Fail a checkout waiting longer than this (ms); default 2000. */
  connectionTimeoutMillis?: number;
  /** Server-side statement_timeout (ms); default none. */
  statementTimeoutMs?: number;
  /** application_name shown in pg_stat_activity. */
  applicationName?: string;
}

export function createDatabase(connectionString: string, metrics?: ServiceMetrics, options: PostgresOptions = {}): Database {
  const pg = require('pg') as typeof import('pg');
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 2_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // An idle client losing its connection (a fault on the proxy) must not crash the process.
  pool.on('error', () => {});
  return new Database(pool, metrics);
}

/** An ioredis client; maxRetriesPerRequest bounded so a faulted Redis fails calls instead of queueing forever. */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  const client = new RedisClient(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2_000, ...options });
  client.on('error', () => {});
  return client;
}
