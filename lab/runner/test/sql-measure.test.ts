/**
 * The read-only SQL measure: a statement that is not one SELECT is refused when the scenario
 * loads, in one line naming the field and the fix; placeholders are bound, never pasted; and
 * against the lab's real PostgreSQL a statement that would write is refused by the READ ONLY
 * transaction itself, while a read returns its number.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeIssues } from '../../../errors/describe-issues.ts';
import { migrate } from '../../../target-app/src/db/index.ts';
import { databaseUrl, startStack, stopStack, type StackHandle } from '../../stack/index.ts';
import { stackContext } from '../../stack/context.ts';
import { scenarioSchema } from '../schema.ts';
import { observeSql } from '../sql-measure.ts';
import { bindSql, sqlRefusal } from '../sql-statement.ts';

function schemaError(measure: unknown, extra: Record<string, unknown> = {}): string | undefined {
  const parsed = scenarioSchema.safeParse({
    title: 't',
    teaches: 't',
    variants: { only: { description: 'd' } },
    profiles: { smoke: { duration: 10 }, full: { duration: 10 } },
    hypotheses: [{ name: 'h', measure, expect: { op: '==', value: 0 } }],
    ...extra,
  });
  return parsed.success ? undefined : describeIssues(parsed.error);
}

describe('a SQL measure is checked when the scenario loads', () => {
  it('accepts one SELECT or WITH with named placeholders', () => {
    expect(schemaError({ sql: "SELECT count(*) FROM orders WHERE customer_id = 'load-' || $variant AND created_at >= $from" })).toBeUndefined();
    expect(schemaError({ sql: 'WITH o AS (SELECT items FROM orders) SELECT $k6.orders_acked.count - count(*) FROM o;' })).toBeUndefined();
  });

  it('refuses a statement that is not a SELECT, in one line naming the field and the fix', () => {
    expect(schemaError({ sql: 'DELETE FROM orders' })).toBe("field hypotheses[0].measure.sql: a SQL measure only reads: start the statement with SELECT or WITH, not 'DELETE'");
    expect(schemaError({ sql: '-- looks harmless\nUPDATE orders SET status = $variant' })).toMatch(/not 'UPDATE'/);
  });

  it('refuses a second statement, positional parameters and unknown placeholders', () => {
    expect(sqlRefusal('SELECT 1; DROP TABLE orders')).toBe('a SQL measure is one statement: remove the inner ;');
    expect(sqlRefusal('SELECT $1')).toMatch(/positional parameter \$1 .*use the named placeholders/);
    expect(sqlRefusal('SELECT $customer')).toMatch(/unknown placeholder \$customer/);
    expect(sqlRefusal('SELECT $k6.orders.total')).toMatch(/\$k6\.<metric>\.<stat>/);
    // text in quotes and comments is left alone
    expect(sqlRefusal("SELECT '$1; not a statement' -- $nothing")).toBeUndefined();
  });

  it('a measure using the k6 summary is judged over the whole run; one reading Redis keeps Redis between variants', () => {
    const k6 = { sql: 'SELECT $k6.orders_acked.count' };
    const parsed = scenarioSchema.safeParse({
      title: 't',
      teaches: 't',
      variants: { only: { description: 'd' } },
      profiles: { smoke: { duration: 10 }, full: { duration: 10 } },
      timeline: [],
      hypotheses: [{ name: 'h', measure: k6, phase: 'steady', expect: { op: '==', value: 0 } }],
    });
    expect(parsed.success ? '' : describeIssues(parsed.error)).toMatch(/field hypotheses\[0\]\.phase: a SQL measure with \$k6 placeholders covers the whole run/);
    expect(schemaError({ sql: 'SELECT id FROM orders', count: 'orders-without-event-outcome' })).toMatch(/field resetCacheBetweenVariants: .*set resetCacheBetweenVariants: false/);
    expect(schemaError({ sql: 'SELECT id FROM orders', count: 'orders-without-event-outcome' }, { resetCacheBetweenVariants: false })).toBeUndefined();
  });

  it('binds placeholders as parameters, each once, leaving quoted text alone', () => {
    const bound = bindSql("SELECT $k6.orders_acked.count - count(*) FROM orders WHERE customer_id = 'load-' || $variant AND note <> '$variant' AND created_at >= $from AND created_at >= $from", {
      variant: 'protected',
      scenario: 's',
      window: { start: 1_700_000_000, end: 1_700_000_030 },
      k6: { orders_acked: { count: 412 } },
    });
    expect(bound.text).toBe("SELECT $1::float8 - count(*) FROM orders WHERE customer_id = 'load-' || $2::text AND note <> '$variant' AND created_at >= to_timestamp($3::float8) AND created_at >= to_timestamp($3::float8)");
    expect(bound.values).toEqual([412, 'protected', 1_700_000_000]);
    expect(bound.missing).toBeUndefined();
    expect(bindSql('SELECT $k6.nothing.count', { variant: 'v', scenario: 's', window: { start: 0, end: 1 } }).missing).toBe('k6 nothing count');
  });
});

describe("against the lab's PostgreSQL", () => {
  let stack: StackHandle;
  let datastores: { postgresUrl: string; redisUrl: string };
  const binding = { variant: 'v', scenario: 's', window: { start: 0, end: Date.now() / 1000 }, k6: { acked: { count: 5 } } };

  beforeAll(async () => {
    stack = await startStack({ env: process.env, withApp: false });
    datastores = { postgresUrl: databaseUrl(stackContext(stack.env)), redisUrl: `redis://127.0.0.1:${stack.ports.redis}` };
    await migrate(datastores.postgresUrl);
  }, 60_000);

  afterAll(async () => {
    await stopStack(process.env);
  });

  it('a read returns its one number; a write hidden in a WITH is refused by the READ ONLY transaction', async () => {
    expect((await observeSql({ sql: 'SELECT $k6.acked.count - 2' }, binding, datastores, 'h')).value).toBe(3);
    await expect(observeSql({ sql: "WITH gone AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM gone" }, binding, datastores, 'h')).rejects.toThrow(
      /h: PostgreSQL refused the SQL measure: cannot execute \w+ in a read-only transaction/,
    );
    await expect(observeSql({ sql: 'SELECT 1, 2' }, binding, datastores, 'h')).rejects.toThrow(/returns one row with one column/);
  });

  it('counts listed orders whose event is neither confirmed (in PostgreSQL) nor dead-lettered', async () => {
    const [one, two] = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    const sql = `SELECT id FROM (VALUES ('${one}'::uuid), ('${two}'::uuid)) AS o(id)`;
    const db = new pg.Client({ connectionString: datastores.postgresUrl });
    await db.connect();
    try {
      await db.query('DELETE FROM orders WHERE id = ANY($1::uuid[])', [[one, two]]);
      await db.query(`INSERT INTO orders (id, customer_id, items, total_cents) VALUES ($1, 'alice', '[]', 0), ($2, 'alice', '[]', 0)`, [one, two]);
      expect((await observeSql({ sql, count: 'orders-without-event-outcome' }, binding, datastores, 'h')).value).toBe(2);
      await db.query(`UPDATE orders SET confirmed_at = now(), confirmed_by = 'worker-1' WHERE id = $1`, [one]);
      expect((await observeSql({ sql, count: 'orders-without-event-outcome' }, binding, datastores, 'h')).value).toBe(1);
    } finally {
      await db.query('DELETE FROM orders WHERE id = ANY($1::uuid[])', [[one, two]]);
      await db.end();
    }
  });
});
