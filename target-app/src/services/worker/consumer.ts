/**
 * A Redis stream consumer in a consumer group with at-least-once processing:
 *
 * - new entries come from XREADGROUP (`>`) on a connection of its own (the read blocks it);
 * - an entry is acknowledged (XACK) only after its handler succeeded; a failed one stays pending;
 * - every claim interval, entries pending longer than claimIdleMs (this consumer's failures, or a
 *   dead consumer's) are claimed with XCLAIM, which counts a delivery, and handled again;
 * - an entry delivered maxDeliveries times without success goes to the dead-letter stream with
 *   its fields, its id, its delivery count and the last error, and is acknowledged;
 * - a poison entry (one the handler can never process: it does not decode or validate) goes to
 *   the dead-letter stream at its first failure, instead of being retried like a transient error;
 * - a stream or group that is gone (a fresh Redis) is created again at once (MKSTREAM), not
 *   reported and retried as a failure;
 * - entries every consumer group of the stream has acknowledged are trimmed (XTRIM MINID), so the
 *   stream stays bounded without dropping an entry some group still owes.
 */
import type { Redis } from 'ioredis';
import type { Logger, ServiceMetrics } from '../../platform/index.ts';
import { fieldMap } from '../../platform/stream-fields.ts';

export type ConsumerSettings = {
  /** Deliveries of one entry before it goes to the dead-letter stream. */
  maxDeliveries: number;
  /** How long an entry stays pending before it is claimed and tried again, ms. */
  claimIdleMs: number;
  /** Most entries read at once. */
  batchSize: number;
  /** Time the handler spends on each entry before its work (dials lag in scenarios), ms. */
  processingCostMs: number;
};

export type ConsumerOptions = {
  redis: Redis;
  /** A second connection: XREADGROUP BLOCK holds its connection for up to blockMs. */
  blockingRedis: Redis;
  stream: string;
  group: string;
  consumer: string;
  deadLetterStream: string;
  /** How long one XREADGROUP waits for new entries, ms (also bounds how long stop() takes). */
  blockMs: number;
  /** How often pending entries are looked at, and the lag gauge refreshed, ms. */
  claimIntervalMs: number;
  settings: () => ConsumerSettings;
  /** Processes one entry; throws when it cannot (the entry stays pending). Returns an outcome label. */
  handle: (fields: string[]) => Promise<string>;
  /** Whether a handler error means the entry can never be processed (dead-lettered at once); default never. */
  isPoison?: (error: unknown) => boolean;
  metrics: ServiceMetrics;
  logger: Logger;
};

type Entry = [id: string, fields: string[]];

const ERROR_PAUSE_MS = 500;

export class StreamConsumer {
  readonly #o: ConsumerOptions;
  readonly #lastError = new Map<string, string>();
  readonly #lag;
  readonly #deadLetters;
  readonly #handled;
  readonly #claims;
  readonly #errors;
  readonly #trimmed;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #nextClaimAt = 0;

  constructor(options: ConsumerOptions) {
    this.#o = options;
    const { metrics, stream, group } = options;
    this.#lag = metrics.gauge({
      name: 'stream_lag_messages',
      help: 'Entries the consumer group has not finished: never delivered plus delivered but not acknowledged.',
      labelNames: ['stream', 'group'],
    });
    this.#deadLetters = metrics.counter({ name: 'dead_letters_total', help: 'Entries moved to the dead-letter stream: poison at once, others after their last allowed delivery.', labelNames: ['stream'] });
    this.#handled = metrics.counter({ name: 'stream_messages_handled_total', help: 'Deliveries handled, by outcome (the handler\'s label, or failed).', labelNames: ['stream', 'outcome'] });
    this.#claims = metrics.counter({ name: 'stream_redeliveries_total', help: 'Pending entries claimed (XCLAIM) to be tried again.', labelNames: ['stream'] });
    this.#errors = metrics.counter({ name: 'stream_consumer_errors_total', help: 'Rounds of the consumer loop that failed on Redis and paused before trying again.', labelNames: ['stream'] });
    this.#trimmed = metrics.counter({ name: 'stream_trimmed_entries_total', help: 'Entries trimmed from the stream (XTRIM MINID) once every consumer group had acknowledged them.', labelNames: ['stream'] });
    this.#errors.inc({ stream }, 0);
    this.#trimmed.inc({ stream }, 0);
    this.#deadLetters.inc({ stream }, 0);
    this.#claims.inc({ stream }, 0);
    this.#handled.inc({ stream, outcome: 'failed' }, 0);
    this.#lag.set({ stream, group }, 0);
  }

  /** Creates the group if needed (from the stream's start, so nothing published earlier is missed) and starts consuming. */
  start(): void {
    this.#loop = this.#run();
  }

  /** Stops after the current read and batch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    let groupReady = false;
    while (!this.#stopped) {
      try {
        if (!groupReady) groupReady = await this.#ensureGroup();
        if (Date.now() >= this.#nextClaimAt) {
          this.#nextClaimAt = Date.now() + this.#o.claimIntervalMs;
          await this.#reclaim();
          await this.#inspectGroups();
        }
        await this.#readNew();
      } catch (error) {
        if (this.#stopped) break;
        if (streamGone(error)) {
          // The stream, and with it the group, is gone (a Redis that came back empty): create both now.
          groupReady = false;
          this.#o.logger.info({ stream: this.#o.stream, group: this.#o.group }, 'stream consumer: the stream or its group is gone, creating them again');
          continue;
        }
        this.#errors.inc({ stream: this.#o.stream });
        this.#o.logger.warn({ err: error, stream: this.#o.stream }, 'stream consumer: Redis failed, trying again');
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  }

  async #ensureGroup(): Promise<boolean> {
    try {
      await this.#o.redis.xgroup('CREATE', this.#o.stream, this.#o.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
    return true;
  }

  async #readNew(): Promise<void> {
    const { stream, group, consumer, blockMs } = this.#o;
    const wait = Math.max(1, Math.min(blockMs, this.#nextClaimAt - Date.now()));
    const reply = (await this.#o.blockingRedis.xreadgroup('GROUP', group, consumer, 'COUNT', this.#o.settings().batchSize, 'BLOCK', wait, 'STREAMS', stream, '>')) as
      | [string, Entry[]][]
      | null;
    for (const [, entries] of reply ?? []) {
      for (const entry of entries) {
        if (this.#stopped) return;
        await this.#handle(entry, 1);
      }
    }
  }

  /** Handles one delivery of an entry (`deliveries` counts this one). */
  async #handle([id, fields]: Entry, deliveries: number): Promise<void> {
    const { stream, group, settings } = this.#o;
    try {
      const cost = settings().processingCostMs;
      if (cost > 0) await new Promise((resolve) => setTimeout(resolve, cost));
      const outcome = await this.#o.handle(fields);
      await this.#o.redis.xack(stream, group, id);
      this.#lastError.delete(id);
      this.#handled.inc({ stream, outcome });
    } catch (error) {
      this.#lastError.set(id, error instanceof Error ? error.message : String(error));
      this.#handled.inc({ stream, outcome: 'failed' });
      if (this.#o.isPoison?.(error)) await this.#deadLetter(id, deliveries, fields);
    }
  }

  /** Claims entries idle past claimIdleMs and retries them, or dead-letters those out of deliveries. */
  async #reclaim(): Promise<void> {
    const { redis, stream, group, consumer } = this.#o;
    const { claimIdleMs, maxDeliveries, batchSize } = this.#o.settings();
    const pending = (await redis.xpending(stream, group, 'IDLE', claimIdleMs, '-', '+', batchSize)) as [string, string, number, number][];
    for (const [id, , , deliveries] of pending) {
      if (this.#stopped) return;
      if (deliveries >= maxDeliveries) {
        await this.#deadLetter(id, deliveries);
        continue;
      }
      const claimed = (await redis.xclaim(stream, group, consumer, claimIdleMs, id)) as Entry[];
      for (const entry of claimed) {
        this.#claims.inc({ stream });
        await this.#handle(entry, deliveries + 1);
      }
    }
  }

  /** Moves an entry to the dead-letter stream (its fields read back from the stream unless given) and acknowledges it. */
  async #deadLetter(id: string, deliveries: number, known?: string[]): Promise<void> {
    const { redis, stream, group, deadLetterStream } = this.#o;
    const fields = known ?? ((await redis.xrange(stream, id, id)) as Entry[])[0]?.[1] ?? [];
    const reason = this.#lastError.get(id) ?? `not processed in ${deliveries} deliveries`;
    await redis
      .multi()
      .xadd(deadLetterStream, '*', 'sourceStream', stream, 'sourceId', id, 'deliveries', String(deliveries), 'error', reason, ...fields)
      .xack(stream, group, id)
      .exec();
    this.#lastError.delete(id);
    this.#deadLetters.inc({ stream });
    this.#o.logger.warn({ stream, id, deliveries, reason }, 'stream entry moved to the dead-letter stream');
  }

  /** Refreshes the lag gauge and trims what every group has acknowledged, from one XINFO GROUPS. */
  async #inspectGroups(): Promise<void> {
    const { redis, stream, group } = this.#o;
    const groups = ((await redis.xinfo('GROUPS', stream)) as (string | number | null)[][]).map((fields) => fieldMap(fields));
    let floor: string | undefined;
    for (const info of groups) {
      const pending = Number(info.get('pending') ?? 0);
      if (info.get('name') === group) {
        const lag = info.get('lag');
        // Redis reports no lag when it cannot tell (after deletions); keep the last value then.
        if (typeof lag === 'number') this.#lag.set({ stream, group }, lag + pending);
      }
      const bound = pending > 0 ? await this.#oldestPending(String(info.get('name'))) : String(info.get('last-delivered-id'));
      if (floor === undefined || compareStreamIds(bound, floor) < 0) floor = bound;
    }
    if (floor === undefined || floor === '0-0') return;
    // Entries below the lowest bound are acknowledged by every group; the bound itself stays.
    const trimmed = Number(await redis.xtrim(stream, 'MINID', floor));
    if (trimmed > 0) this.#trimmed.inc({ stream }, trimmed);
  }

  /** The id of the group's oldest entry delivered but not acknowledged. */
  async #oldestPending(group: string): Promise<string> {
    const [, oldest] = (await this.#o.redis.xpending(this.#o.stream, group)) as [number, string | null];
    return oldest ?? '0-0';
  }
}

/** NOGROUP from a read or XPENDING, "no such key" from XINFO, UNBLOCKED from a read the deletion interrupted: the stream is not there. */
function streamGone(error: unknown): boolean {
  return /NOGROUP|no such key|UNBLOCKED the stream key no longer exists/.test(String(error));
}

/** Orders two stream ids (`<ms>-<seq>`) numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}
