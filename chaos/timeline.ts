/**
 * Plays faults at offsets from a start time for durations, beside the load, and guarantees the
 * revert: each fault is reverted when its duration ends, or at once when the timeline is stopped
 * (failure, Ctrl-C), in the reverse order of application.
 */
import type { AppliedFault, FaultContext } from './fault.ts';
import { FAULTS, faultType, type FaultRegistry } from './registry.ts';

export interface TimelineEntry {
  /** Unique within the run; names the toxic so revert removes exactly this fault. */
  id: string;
  fault: string;
  target: string;
  /** Seconds from the start of the load. */
  at: number;
  /** Seconds the fault stays on. */
  duration: number;
  attributes: Record<string, unknown>;
}

export type FaultState = 'pending' | 'applying' | 'active' | 'reverting' | 'reverted' | 'failed' | 'cancelled';

export interface FaultRecord {
  entry: TimelineEntry;
  state: FaultState;
  /** Epoch milliseconds when apply returned and when revert returned. */
  appliedAt?: number;
  revertedAt?: number;
  detail?: Record<string, unknown>;
  /** Why the fault had nothing to act on (checked after revert), if so. */
  noEffect?: string;
  error?: string;
}

export interface PlayOptions {
  context: FaultContext;
  /** Epoch milliseconds the offsets count from (default: now). */
  startAt?: number;
  registry?: FaultRegistry;
  /** Called whenever a fault becomes active or stops being active. */
  onChange?: (record: FaultRecord) => void;
}

export interface Timeline {
  readonly records: readonly FaultRecord[];
  active(): FaultRecord[];
  /** Resolves when every fault has been applied and reverted; rejects on the first apply or revert failure. */
  readonly finished: Promise<void>;
  /** Cancels what has not started and reverts what is on. Safe to call more than once. */
  stop(): Promise<void>;
}

export function playTimeline(entries: readonly TimelineEntry[], options: PlayOptions): Timeline {
  const registry = options.registry ?? FAULTS;
  const startAt = options.startAt ?? Date.now();
  const records: FaultRecord[] = entries.map((entry) => ({ entry, state: 'pending' }));
  const applied = new Map<FaultRecord, AppliedFault>();
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  finished.catch(() => {}); // the caller may only look at it after stop()
  let firstError: unknown;

  const notify = (record: FaultRecord) => options.onChange?.(record);
  const schedule = (when: number, task: () => Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      track(task());
    }, Math.max(0, when - Date.now()));
    timers.add(timer);
  };
  const track = (work: Promise<void>) => {
    const settled = work.catch((error: unknown) => {
      firstError ??= error;
    });
    inFlight.add(settled);
    void settled.finally(() => {
      inFlight.delete(settled);
      checkDone();
    });
  };
  const checkDone = () => {
    if (firstError !== undefined && !stopped) {
      void stop().finally(() => settle.reject(firstError));
      return;
    }
    const open = records.some((r) => r.state === 'pending' || r.state === 'applying' || r.state === 'active' || r.state === 'reverting');
    if (!open && inFlight.size === 0) {
      if (firstError !== undefined) settle.reject(firstError);
      else settle.resolve();
    }
  };

  const apply = async (record: FaultRecord) => {
    if (stopped) return;
    const { entry } = record;
    record.state = 'applying';
    try {
      const fault = faultType(entry.fault, registry);
      const result = await fault.apply(options.context, entry.target, entry.attributes as never, entry.id);
      applied.set(record, result);
      record.detail = result.detail;
      record.appliedAt = Date.now();
      record.state = 'active';
      notify(record);
    } catch (error) {
      record.state = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
    if (stopped) await revert(record);
    else schedule(startAt + (entry.at + entry.duration) * 1000, () => revert(record));
  };

  const revert = async (record: FaultRecord) => {
    const result = applied.get(record);
    if (!result || record.state !== 'active') return;
    record.state = 'reverting';
    try {
      await result.revert();
      record.noEffect = result.noEffect?.();
      record.state = 'reverted';
    } catch (error) {
      record.state = 'failed';
      record.error = `revert failed: ${error instanceof Error ? error.message : String(error)}`;
      throw error;
    } finally {
      record.revertedAt = Date.now();
      applied.delete(record);
      notify(record);
    }
  };

  async function stop(): Promise<void> {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const record of records) if (record.state === 'pending') record.state = 'cancelled';
    await Promise.allSettled([...inFlight]);
    const on = records.filter((r) => r.state === 'active').sort((a, b) => (b.appliedAt ?? 0) - (a.appliedAt ?? 0));
    for (const record of on) {
      await revert(record).catch((error: unknown) => {
        firstError ??= error;
      });
    }
    checkDone();
  }

  for (const record of records) schedule(startAt + record.entry.at * 1000, () => apply(record));
  if (records.length === 0) queueMicrotask(checkDone);

  return {
    records,
    active: () => records.filter((r) => r.state === 'active' || r.state === 'reverting'),
    finished,
    stop,
  };
}
