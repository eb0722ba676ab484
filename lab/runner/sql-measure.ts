/**
 * The read-only SQL measure: a hypothesis that asks the lab's own PostgreSQL what a variant left
 * behind, rather than what the app says it did. The statement is one SELECT (or WITH ... SELECT),
 * checked when the scenario loads, and runs in a READ ONLY transaction with a statement timeout,
 * on a connection of its own straight to PostgreSQL (never through a Toxiproxy edge), once every
 * variant has run: the SQL scopes itself to the variant's rows (its customer, its window), and
 * its placeholders (sql-statement.ts) bind the variant's names, window and k6 summary, so a
 * load's own account ("412 orders were acknowledged") can be held against the rows in one statement.
 *
 * By default the statement returns one row with one number. With `count: 'orders-without-event-outcome'`
 * it lists order ids instead, and the measure counts those whose `order.created` event the worker
 * neither confirmed (`orders.confirmed_at`, in the same PostgreSQL) nor moved to the dead-letter
 * stream: the app's published order-stream contract, read from the lab's Redis (so such a
 * scenario keeps Redis between variants).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { LabError } from '../../errors/lab-error.ts';
import { decodeOrderEvent, ORDER_DEAD_LETTER_STREAM } from '../../target-app/src/contracts/order-stream.ts';
import { bindSql, type SqlBinding, type SqlCount } from './sql-statement.ts';

/** What the measure may ask of the datastores: the lab's PostgreSQL and Redis themselves. */
export interface Datastores {
  postgresUrl: string;
  redisUrl: string;
}

/** One statement may take this long before PostgreSQL cancels it, ms. */
const STATEMENT_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** Dead-letter entries read per XRANGE. */
const PAGE = 1_000;

export class SqlMeasureError extends LabError {
  constructor(message: string) {
    super('RUN_ERR_SQL_MEASURE', message);
  }
}

/** Runs the bound statement read-only and returns its rows. */
async function readRows(postgresUrl: string, text: string, values: (string | number | string[])[], what: string): Promise<unknown[][]> {
  const client = new pg.Client({
    connectionString: postgresUrl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // the session itself refuses writes, whatever the transaction says, and bounds every statement
    options: `-c default_transaction_read_only=on -c statement_timeout=${STATEMENT_TIMEOUT_MS}`,
    application_name: 'faultline-sql-measure',
  });
  try {
    await client.connect();
  } catch (error) {
    throw new SqlMeasureError(`${what}: the lab's PostgreSQL did not answer (${message(error)}): is the stack up?`);
  }
  try {
    await client.query('BEGIN READ ONLY');
    const result = await client.query({ text, values, rowMode: 'array' });
    await client.query('ROLLBACK');
    return result.rows as unknown[][];
  } catch (error) {
    throw new SqlMeasureError(`${what}: PostgreSQL refused the SQL measure: ${message(error)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The one number of a value measure: one row, one column; null when it is NULL. */
function oneNumber(rows: unknown[][], what: string): number | null {
  if (rows.length !== 1 || rows[0]!.length !== 1) throw new SqlMeasureError(`${what}: a SQL measure returns one row with one column, this one returned ${rows.length} row(s) of ${rows[0]?.length ?? 0} column(s)`);
  const cell = rows[0]![0];
  if (cell === null) return null;
  const value = typeof cell === 'number' ? cell : typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : Number.NaN;
  if (!Number.isFinite(value)) throw new SqlMeasureError(`${what}: a SQL measure returns a number, this one returned ${JSON.stringify(cell)}`);
  return value;
}

/** Order ids whose event the worker moved to the dead-letter stream. */
async function deadLetteredOrders(redis: Redis): Promise<Set<string>> {
  const ids = new Set<string>();
  let start = '-';
  for (;;) {
    const entries = (await redis.xrange(ORDER_DEAD_LETTER_STREAM, start, '+', 'COUNT', PAGE)) as [string, string[]][];
    for (const [, fields] of entries) {
      try {
        ids.add(decodeOrderEvent(fields).orderId);
      } catch {
        // a poison entry names no order
      }
    }
    if (entries.length < PAGE) return ids;
    start = `(${entries.at(-1)![0]}`;
  }
}

/** Of the listed order ids, how many have neither a confirmation nor a dead letter. */
async function ordersWithoutOutcome(datastores: Datastores, rows: unknown[][], what: string): Promise<number> {
  if (rows.some((r) => r.length !== 1)) throw new SqlMeasureError(`${what}: count 'orders-without-event-outcome' wants the SQL to list order ids in one column`);
  const ids = rows.map((r) => String(r[0]));
  const confirmed = new Set((await readRows(datastores.postgresUrl, 'SELECT id::text FROM orders WHERE id = ANY($1::uuid[]) AND confirmed_at IS NOT NULL', [ids], what)).map((r) => String(r[0])));
  const redis = new Redis(datastores.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: CONNECT_TIMEOUT_MS, commandTimeout: STATEMENT_TIMEOUT_MS });
  try {
    await redis.connect();
    const dead = await deadLetteredOrders(redis);
    return ids.filter((id) => !confirmed.has(id) && !dead.has(id)).length;
  } catch (error) {
    throw new SqlMeasureError(`${what}: the lab's Redis did not answer (${message(error)}): is the stack up?`);
  } finally {
    redis.disconnect();
  }
}

/** Takes a SQL measure: the statement's number, or the count its rows ask for. */
export async function observeSql(measure: { sql: string; count?: SqlCount }, binding: SqlBinding, datastores: Datastores | undefined, what: string): Promise<{ value: number | null; text: string }> {
  const bound = bindSql(measure.sql, binding);
  const text = measure.count ? `${measure.count} of ${bound.shown}` : bound.shown;
  if (bound.missing) return { value: null, text: `${text} (no ${bound.missing} in the summary)` };
  if (!datastores) throw new SqlMeasureError(`${what}: a SQL measure needs the lab's datastores, and this run has none`);
  const rows = await readRows(datastores.postgresUrl, bound.text, bound.values, what);
  if (measure.count === 'orders-without-event-outcome') return { value: await ordersWithoutOutcome(datastores, rows, what), text };
  return { value: oneNumber(rows, what), text };
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
