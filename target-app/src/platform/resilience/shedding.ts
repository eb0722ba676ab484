/**
 * Load shedding: at most `concurrency` requests run at once; the next ones wait for at most
 * `queueTimeoutMs` (and at most `maxQueue` of them), then get 503 with Retry-After. The
 * service mounts it before the body parser, so a shed request costs no parsing. A waiter is
 * never kept past its own deadline (504), and a freed slot goes to the newest waiter (LIFO):
 * under overload the oldest waiters are the ones whose callers are about to give up.
 * Disabled, it lets everything through (unbounded). Refusals are counted in
 * shed_requests_total {reason="queue_full"|"queue_timeout"}.
 */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ServiceMetrics } from '../metrics.ts';
import { ProblemError } from '../problem.ts';
import { resilienceMetrics } from './resilience-metrics.ts';

/** The shedding switches every service with a shedder spreads into its switch schema. */
export const sheddingSwitches = {
  /** off: unbounded; on: at most shedConcurrency requests at once, the rest wait shedQueueTimeoutMs then get 503. */
  shedding: z.enum(['off', 'on']).default('off'),
  shedConcurrency: z.number().int().min(1).max(100_000).default(64),
  shedQueueTimeoutMs: z.number().int().min(0).max(60_000).default(50),
  shedMaxQueue: z.number().int().min(0).max(100_000).default(256),
};

export function sheddingOptionsOf(s: { shedding: 'off' | 'on'; shedConcurrency: number; shedQueueTimeoutMs: number; shedMaxQueue: number }): SheddingOptions {
  return { enabled: s.shedding === 'on', concurrency: s.shedConcurrency, queueTimeoutMs: s.shedQueueTimeoutMs, maxQueue: s.shedMaxQueue };
}

export interface SheddingOptions {
  /** Shed at all; default false (unbounded). */
  enabled?: boolean;
  /** Requests served at once; default 64. */
  concurrency?: number;
  /** Longest wait for a slot (ms); default 100. */
  queueTimeoutMs?: number;
  /** Most requests waiting; default 256. */
  maxQueue?: number;
  /** Retry-After sent with the 503 (s); default 1. */
  retryAfterSeconds?: number;
}

interface Waiter {
  admit: () => void;
  timer: NodeJS.Timeout;
}

export class LoadShedder {
  private options: Required<SheddingOptions>;
  private readonly metrics: ReturnType<typeof resilienceMetrics>;
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(metrics: ServiceMetrics, options: SheddingOptions = {}) {
    this.metrics = resilienceMetrics(metrics);
    this.options = LoadShedder.withDefaults(options);
  }

  static withDefaults(options: SheddingOptions): Required<SheddingOptions> {
    return { enabled: false, concurrency: 64, queueTimeoutMs: 100, maxQueue: 256, retryAfterSeconds: 1, ...options };
  }

  reconfigure(options: SheddingOptions): void {
    this.options = LoadShedder.withDefaults(options);
    this.release(0);
  }

  get inFlight(): number {
    return this.active;
  }

  private refuse(reason: 'queue_full' | 'queue_timeout' | 'deadline'): ProblemError {
    if (reason === 'deadline') {
      this.metrics.deadlineExceeded.inc({ stage: 'shed_queue' });
      return new ProblemError('deadline-exceeded', 'the request deadline passed while it waited for capacity');
    }
    this.metrics.shed.inc({ reason });
    const retryAfter = String(this.options.retryAfterSeconds);
    return new ProblemError('overloaded', reason === 'queue_full' ? 'too many requests waiting' : 'no capacity freed in time', {
      headers: { 'Retry-After': retryAfter },
    });
  }

  /** Starts waiting requests while there is capacity; `finished` slots were just freed. */
  private release(finished: number): void {
    this.active -= finished;
    while (this.queue.length > 0 && this.active < this.options.concurrency) {
      const waiter = this.queue.pop()!;
      clearTimeout(waiter.timer);
      this.active++;
      waiter.admit();
    }
  }

  middleware(): RequestHandler {
    return (_req, res, next) => {
      const { enabled, concurrency, maxQueue, queueTimeoutMs } = this.options;
      const deadline = res.locals.deadline as number | undefined;
      if (!enabled) {
        next();
        return;
      }
      let done = false;
      const onDone = () => {
        if (done) return;
        done = true;
        this.release(1);
      };
      if (this.active < concurrency && this.queue.length === 0) {
        this.active++;
        res.once('close', onDone);
        next();
        return;
      }
      if (this.queue.length >= maxQueue) {
        next(this.refuse('queue_full'));
        return;
      }
      const leaveQueue = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
      };
      // a client that gives up while waiting frees its place in the queue
      const onAbandon = () => {
        leaveQueue();
        clearTimeout(waiter.timer);
      };
      const left = deadline === undefined ? Infinity : deadline - Date.now();
      const waiter: Waiter = {
        admit: () => {
          res.off('close', onAbandon);
          res.once('close', onDone);
          next();
        },
        timer: setTimeout(() => {
          leaveQueue();
          res.off('close', onAbandon);
          next(this.refuse(left < queueTimeoutMs ? 'deadline' : 'queue_timeout'));
        }, Math.max(0, Math.min(queueTimeoutMs, left))),
      };
      res.once('close', onAbandon);
      this.queue.push(waiter);
    };
  }
}
