/**
 * Runs one arrival-rate scenario: starts each iteration at its due time on an idle VU, drops it
 * at once when none is idle, ends the schedule at startTime + duration, then waits gracefulStop
 * for running iterations before interrupting them. Bounded by the scenario's own durations.
 */
import type { ArrivalRateConfig } from '../options/options.ts';
import type { Tags } from '../metrics/sample.ts';
import type { IterationOrder, IterationOutcome } from '../run/iteration.ts';
import { constantSchedule, ownedPart, rampingSchedule, type Schedule } from './schedule.ts';
import type { SegmentShare } from './segment-share.ts';
import { VuPool, type VuGrowth } from './vu-pool.ts';

export interface IterationHost {
  start(order: IterationOrder): Promise<IterationOutcome>;
  interrupt(order: IterationOrder): void;
}

export interface ScenarioEvents {
  emit(metric: string, tags: Tags, value: number, time: number): void;
  warn(message: string): void;
  outcome(outcome: IterationOutcome): void;
}

let nextOrderId = 1;
const now = (): number => performance.timeOrigin + performance.now();

/**
 * The timer delay that wakes the loop at `dueMs` or just after, never before: libuv counts whole
 * milliseconds, so a fractional delay is cut short and the wake-up finds nothing due, which costs
 * a second wake-up per iteration (a tenth of the engine's CPU at a few hundred requests a second).
 */
function wakeDelay(dueMs: number): number {
  return Math.max(0, Math.ceil(dueMs - now()));
}

export function scheduleOf(config: ArrivalRateConfig): Schedule {
  return config.executor === 'constant-arrival-rate'
    ? constantSchedule(config.rate, config.timeUnitMs, config.durationMs)
    : rampingSchedule(config.startRate, config.timeUnitMs, config.stages);
}

export class ArrivalRateScenario {
  readonly pool: VuPool;
  private readonly schedule: Schedule;
  private readonly inFlight = new Map<number, IterationOrder>();
  private readonly iterPerVu = new Map<number, number>();
  /** Iterations started by this engine (k6's iterationInInstance of the next one). */
  private started = 0;
  private readonly share: SegmentShare;
  private timer: NodeJS.Timeout | undefined;
  private stopScheduling: (() => void) | undefined;
  private readonly tags: Tags;
  private readonly config: ArrivalRateConfig;
  private readonly host: IterationHost;
  private readonly events: ScenarioEvents;
  private stoppedAt: number | undefined;
  private stopDeadline = 0;

  constructor(config: ArrivalRateConfig, share: SegmentShare, testTags: Tags, host: IterationHost, events: ScenarioEvents, growth: VuGrowth) {
    this.config = config;
    this.share = share;
    this.host = host;
    this.events = events;
    this.pool = new VuPool(share.vus, share.maxVUs, growth);
    // an execution segment starts only the iterations it owns, each at its due time in the whole schedule
    this.schedule = ownedPart(scheduleOf(config), share.ownsIteration);
    this.tags = { ...testTags, ...config.tags, scenario: config.name };
  }

  /** Runs the scenario from `zeroMs` (epoch of the test's t = 0); resolves once nothing of it runs. */
  async run(zeroMs: number): Promise<void> {
    if (!this.share.hasWork) return; // as k6, a segment with no VUs of a scenario does not run it
    const startMs = zeroMs + this.config.startTimeMs;
    const endMs = startMs + this.config.durationMs;
    await new Promise<void>((resolve) => {
      this.stopScheduling = resolve;
      let due = this.schedule.next();
      const tick = (): void => {
        const current = now();
        while (due !== undefined && startMs + due <= current) {
          this.arrive(startMs + due);
          due = this.schedule.next();
        }
        // compared as offsets: at epoch magnitude a microsecond is below a double's resolution
        if (due === undefined || due > this.config.durationMs + 1e-6) {
          // the scenario lasts its whole duration, as k6's does, whenever its last iteration is due
          this.timer = setTimeout(resolve, wakeDelay(endMs));
          return;
        }
        this.timer = setTimeout(tick, wakeDelay(startMs + due));
      };
      this.timer = setTimeout(tick, wakeDelay(startMs));
    });
    clearTimeout(this.timer);
    await this.drain(this.stoppedAt === undefined ? Math.max(endMs, now()) + this.config.gracefulStopMs : this.stopDeadline);
  }

  /** Start nothing more; what runs gets gracefulStop (`graceful`) or is interrupted at once (k6's abort: signal, threshold, test.abort()). */
  stop(graceful: boolean): void {
    if (this.stoppedAt === undefined) {
      this.stoppedAt = now();
      this.stopDeadline = graceful ? this.stoppedAt + this.config.gracefulStopMs : this.stoppedAt;
    } else if (!graceful) {
      this.stopDeadline = now();
    }
    clearTimeout(this.timer);
    this.stopScheduling?.();
  }

  private arrive(dueMs: number): void {
    this.events.emit('iterations_planned', this.tags, 1, dueMs);
    const vu = this.pool.acquire();
    if (vu === undefined) {
      this.events.emit('dropped_iterations', this.tags, 1, now());
      const warning = this.pool.growAfterDrop();
      if (warning !== undefined) this.events.warn(warning);
      return;
    }
    const iter = this.iterPerVu.get(vu) ?? 0;
    this.iterPerVu.set(vu, iter + 1);
    const iterationInInstance = this.started++;
    const order: IterationOrder = {
      id: nextOrderId++, vu, vuInTest: this.share.vuIdInTest(vu), iter, iterationInInstance,
      iterationInTest: this.share.iterationInTest(iterationInInstance), scenario: this.config.name,
      exec: this.config.exec, tags: this.tags, env: this.config.env, dueMs,
    };
    this.inFlight.set(order.id, order);
    this.host.start(order).then((outcome) => {
      if (!this.inFlight.delete(order.id)) return; // interrupted: its VU stays with the abandoned code
      this.pool.release(vu);
      this.events.outcome(outcome);
    });
  }

  /** Wait until no iteration runs or `deadlineMs` passes; interrupt what is left. */
  private async drain(deadlineMs: number): Promise<void> {
    while (this.inFlight.size > 0 && now() < Math.min(deadlineMs, this.stopDeadline || Infinity)) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadlineMs - now()))));
    }
    for (const order of this.inFlight.values()) this.host.interrupt(order);
    this.inFlight.clear();
  }
}
