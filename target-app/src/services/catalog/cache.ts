/**
 * A read-through cache in Redis with three strategies, switchable at run time:
 *
 * - `none`: every read goes to the loader (the database).
 * - `naive`: cache-aside with a fixed TTL; concurrent misses for one key each load (a stampede).
 * - `protected`: single flight per key in this process (concurrent misses wait for one load:
 *   `coalesced`), a short Redis lock so several instances coalesce too, stale-while-revalidate
 *   (a value past its fresh life but inside the stale window is served while one refresh runs),
 *   TTL jitter, and probabilistic early refresh (XFetch: Vattani, Chierichetti, Lowenstein 2015).
 *
 * Storage (published in contracts/catalog-cache.ts, what chaos faults and people can rely on):
 *   key   `<name>:<id>` (e.g. `product:42`)
 *   value JSON envelope `{ "value": <T>, "storedAt": ms, "freshUntil": ms, "computeMs": n }`
 *   TTL   naive: ttlMs; protected: ttlMs ± jitter (that is freshUntil) + staleWindowMs.
 *   lock  `lock:<name>:<id>`, a random token, PX lockTtlMs (protected only).
 * Expiring a key = deleting it (DEL or PEXPIRE 1): the next read is a cold miss in every strategy.
 * A key still present but past freshUntil is stale: protected serves it and refreshes once.
 *
 * Deadlines: every Redis call and every wait for another reader's load ends at the request's
 * deadline (a 504, never a fall-through to the database with no time left); a background
 * refresh belongs to no request and runs outside any deadline.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseEnvelope, type CacheEnvelope } from '../../contracts/catalog-cache.ts';
import { boundByDeadline, currentDeadline, deadlineExceeded, isDeadlineExceeded, runWithoutDeadline } from '../../platform/resilience/deadline.ts';

export type CacheStrategy = 'none' | 'naive' | 'protected';
export type CacheResult = 'hit' | 'miss' | 'coalesced' | 'stale' | 'bypass';
export type RefreshReason = 'expired' | 'early' | 'stale';

export type CacheSettings = {
  strategy: CacheStrategy;
  /** Fresh life of a cached value, ms. */
  ttlMs: number;
  /** protected: spread each TTL uniformly by ± this fraction, so keys stored together do not expire together. */
  jitter: number;
  /** protected: XFetch beta; 0 turns early refresh off, 1 is the paper's default, >1 refreshes earlier. */
  earlyRefreshBeta: number;
  /** protected: how long past its fresh life a value may still be served while one refresh runs, ms. */
  staleWindowMs: number;
  /** protected: life of the cross-instance load lock, ms (bounds how long a crashed holder blocks others). */
  lockTtlMs: number;
  /** protected: how long an instance that lost the lock waits for the holder's value before loading itself, ms. */
  lockWaitMs: number;
};

/** Where the cache reports what it did (cache_requests_total and cache_refreshes_total). */
export type CacheEvents = {
  request(cache: string, result: Exclude<CacheResult, 'bypass'>): void;
  refresh(cache: string, reason: RefreshReason): void;
  /** A Redis command failed; the cache carried on without it (fail open to the loader). */
  redisError(cache: string, error: unknown): void;
  /** A background refresh failed (the loader threw); the cached value stays until its hard TTL. */
  refreshFailed(cache: string, error: unknown): void;
};

const LOCK_POLL_MS = 20;
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class ReadThroughCache<T> {
  /** Key prefix in Redis. */
  readonly name: string;
  /** The `cache` label of its metrics. */
  readonly label: string;
  readonly #redis: Redis;
  readonly #settings: () => CacheSettings;
  readonly #events: CacheEvents;
  /** In-flight loads and refreshes by key: the single flight. */
  readonly #inflight = new Map<string, Promise<T | null>>();

  constructor(options: { name: string; label?: string; redis: Redis; settings: () => CacheSettings; events: CacheEvents }) {
    this.name = options.name;
    this.label = options.label ?? options.name;
    this.#redis = options.redis;
    this.#settings = options.settings;
    this.#events = options.events;
  }

  /** The Redis key that holds id's value. */
  keyOf(id: string | number): string {
    return `${this.name}:${id}`;
  }

  /** The value for id, from the cache or the loader; null (never cached) when the loader finds nothing. */
  async get(id: string | number, load: () => Promise<T | null>): Promise<{ value: T | null; result: CacheResult }> {
    const settings = this.#settings();
    if (settings.strategy === 'none') return { value: await load(), result: 'bypass' };
    const key = this.keyOf(id);
    const cached = await this.#read(key);
    const now = Date.now();
    if (settings.strategy === 'naive') {
      if (cached) return this.#report({ value: cached.value, result: 'hit' });
      return this.#report({ value: await this.#loadAndStore(key, load, settings, 'expired'), result: 'miss' });
    }
    if (cached && now < cached.freshUntil) {
      if (shouldRefreshEarly(cached, settings.earlyRefreshBeta, now)) this.#refreshInBackground(key, load, settings, 'early');
      return this.#report({ value: cached.value, result: 'hit' });
    }
    if (cached) {
      this.#refreshInBackground(key, load, settings, 'stale');
      return this.#report({ value: cached.value, result: 'stale' });
    }
    const running = this.#inflight.get(key);
    if (running) return this.#report({ value: await boundByDeadline(running, 'cache_wait'), result: 'coalesced' });
    return this.#report({ value: await this.#singleFlight(key, () => this.#loadOnce(key, load, settings)), result: 'miss' });
  }

  #report(outcome: { value: T | null; result: Exclude<CacheResult, 'bypass'> }): { value: T | null; result: CacheResult } {
    this.#events.request(this.label, outcome.result);
    return outcome;
  }

  #singleFlight(key: string, run: () => Promise<T | null>): Promise<T | null> {
    const promise = run().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }

  #refreshInBackground(key: string, load: () => Promise<T | null>, settings: CacheSettings, reason: RefreshReason): void {
    if (this.#inflight.has(key)) return;
    const refresh = runWithoutDeadline(() => this.#singleFlight(key, async () => {
      const token = await this.#lock(key, settings);
      // Another instance holds the lock, so it is refreshing: keep serving what is cached. If the
      // value vanished meanwhile, a cold reader may have joined this refresh: it must get the
      // value, so wait for the holder's as a cold miss does (never null for an existing product).
      if (token === false) return (await this.#read(key))?.value ?? (await this.#loadOnce(key, load, settings));
      try {
        const current = await this.#read(key);
        if (reason === 'stale' && current && Date.now() < current.freshUntil) return current.value;
        return await this.#loadAndStore(key, load, settings, reason);
      } finally {
        if (token) await this.#unlock(key, token);
      }
    }));
    refresh.catch((error: unknown) => this.#events.refreshFailed(this.label, error));
  }

  /** A cold miss in protected mode: take the cross-instance lock, or wait for the instance that has it. */
  async #loadOnce(key: string, load: () => Promise<T | null>, settings: CacheSettings): Promise<T | null> {
    const token = await this.#lock(key, settings);
    if (token === false) {
      const waitUntil = Date.now() + settings.lockWaitMs;
      while (Date.now() < waitUntil) {
        const scope = currentDeadline();
        if (scope && scope.deadline <= Date.now()) throw deadlineExceeded('cache_wait', scope);
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
        const stored = await this.#read(key);
        if (stored) return stored.value;
      }
    }
    try {
      // Double check: a load that finished between our read and our lock already stored the value.
      const stored = token === undefined ? undefined : await this.#read(key);
      if (stored && Date.now() < stored.freshUntil) return stored.value;
      return await this.#loadAndStore(key, load, settings, 'expired');
    } finally {
      if (token) await this.#unlock(key, token);
    }
  }

  async #loadAndStore(key: string, load: () => Promise<T | null>, settings: CacheSettings, reason: RefreshReason): Promise<T | null> {
    this.#events.refresh(this.label, reason);
    const started = Date.now();
    const value = await load();
    if (value === null) return null;
    const storedAt = Date.now();
    const ttlMs = settings.strategy === 'protected' ? jittered(settings.ttlMs, settings.jitter) : settings.ttlMs;
    const envelope: CacheEnvelope<T> = { value, storedAt, freshUntil: storedAt + ttlMs, computeMs: storedAt - started };
    const hardTtlMs = settings.strategy === 'protected' ? ttlMs + settings.staleWindowMs : ttlMs;
    try {
      await this.#call(this.#redis.set(key, JSON.stringify(envelope), 'PX', Math.max(1, Math.round(hardTtlMs))));
    } catch (error) {
      // The value is loaded: answer it even when the deadline stopped the write.
      if (!isDeadlineExceeded(error)) this.#events.redisError(this.label, error);
    }
    return value;
  }

  async #read(key: string): Promise<CacheEnvelope<T> | undefined> {
    try {
      const raw = await this.#call(this.#redis.get(key));
      if (raw === null) return undefined;
      return parseEnvelope<T>(raw);
    } catch (error) {
      if (isDeadlineExceeded(error)) throw error;
      this.#events.redisError(this.label, error);
      return undefined;
    }
  }

  /** A lock token when taken, false when another instance holds it, undefined when Redis failed (load anyway). */
  async #lock(key: string, settings: CacheSettings): Promise<string | false | undefined> {
    const token = randomUUID();
    try {
      const taken = await this.#call(this.#redis.set(`lock:${key}`, token, 'PX', settings.lockTtlMs, 'NX'));
      return taken === 'OK' ? token : false;
    } catch (error) {
      if (isDeadlineExceeded(error)) throw error;
      this.#events.redisError(this.label, error);
      return undefined;
    }
  }

  async #unlock(key: string, token: string): Promise<void> {
    try {
      await this.#call(this.#redis.eval(RELEASE_LOCK, 1, `lock:${key}`, token));
    } catch (error) {
      // A lock left behind expires by itself (lockTtlMs).
      if (!isDeadlineExceeded(error)) this.#events.redisError(this.label, error);
    }
  }

  /** A Redis call that ends at the request's deadline, if it is shorter than the command timeout. */
  #call<R>(command: Promise<R>): Promise<R> {
    return boundByDeadline(command, 'redis');
  }
}

/** XFetch: refresh before expiry with a probability that grows as expiry nears and with the cost of a load. */
export function shouldRefreshEarly(envelope: { freshUntil: number; computeMs: number }, beta: number, now: number): boolean {
  if (beta <= 0) return false;
  return now - envelope.computeMs * beta * Math.log(Math.random()) >= envelope.freshUntil;
}

function jittered(ttlMs: number, jitter: number): number {
  return ttlMs * (1 + jitter * (2 * Math.random() - 1));
}
