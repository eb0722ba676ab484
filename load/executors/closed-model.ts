/**
 * Runs one closed-model scenario as k6 does [lib/executor/constant_vus.go, ramping_vus.go,
 * per_vu_iterations.go, shared_iterations.go]: each VU loops iterations back to back. At the end
 * of the duration (or once the iterations are done) no VU starts another; running iterations get
 * gracefulStop, then are interrupted. ramping-vus changes the number of looping VUs as its stages
 * say; a VU ramped down finishes its iteration within gracefulRampDown.
 */
import type { ClosedModelConfig } from '../options/closed-model.ts';
import type { Tags } from '../metrics/sample.ts';
import type { IterationOrder } from '../run/iteration.ts';
import type { IterationHost, ScenarioEvents } from './arrival-rate.ts';
import { vuSteps } from './vu-steps.ts';
import { hardStopSteps } from './ramp-down.ts';
import type { SegmentShare } from './segment-share.ts';
import { newVuId } from './vu-pool.ts';

let nextOrderId = 1_000_000_000; // apart from the arrival-rate scenarios' order ids
const now = (): number => performance.timeOrigin + performance.now();
const sleepUntil = (atMs: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.ceil(atMs - now()))));
/** A wait that does not keep the process alive once the scenario is over. */
const idleUntil = (atMs: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.ceil(atMs - now()))).unref());

export class ClosedModelScenario {
  /** active: VUs looping now (k6's vus); size: VUs initialised for the scenario (vus_max). */
  readonly pool = { active: 0, size: 0 };
  private readonly config: ClosedModelConfig;
  private readonly host: IterationHost;
  private readonly events: ScenarioEvents;
  private readonly tags: Tags;
  private readonly vuIds: number[];
  private readonly iterPerVu = new Map<number, number>();
  private readonly inFlight = new Map<number, IterationOrder>();
  private readonly looping = new Set<number>();
  /** Iterations started by this engine (k6's iterationInInstance of the next one). */
  private started = 0;
  private readonly share: SegmentShare;
  /** VUs (by index from 1) allowed to start iterations now. */
  private planned = 0;
  private stopped = false;
  private hardStop: (() => void) | undefined;
  private stopDeadline = Infinity;

  constructor(config: ClosedModelConfig, share: SegmentShare, testTags: Tags, host: IterationHost, events: ScenarioEvents) {
    this.config = config;
    this.share = share;
    this.host = host;
    this.events = events;
    this.tags = { ...testTags, ...config.tags, scenario: config.name };
    // k6 initialises every VU a scenario can need before the test starts
    this.vuIds = Array.from({ length: share.vus }, () => newVuId());
    this.pool.size = share.vus;
  }

  async run(zeroMs: number): Promise<void> {
    if (!this.share.hasWork) return; // as k6, a segment with no VUs of a scenario does not run it
    const startMs = zeroMs + this.config.startTimeMs;
    const endMs = startMs + this.config.durationMs;
    const stopped = new Promise<void>((resolve) => { this.hardStop = resolve; });
    await Promise.race([sleepUntil(startMs), stopped]);
    const loops: Promise<void>[] = [];
    const begin = (index: number): void => {
      if (this.looping.has(index) || this.stopped) return;
      loops.push(this.loop(index, endMs));
    };
    if (this.config.executor === 'ramping-vus') {
      // this segment's share of each step; the hard stops are k6's, computed on those shares
      const steps = vuSteps(this.config.startVUs, this.config.stages)
        .map((step) => ({ atMs: step.atMs, vus: this.share.vusAt(step.vus) }))
        .filter((step, i, all) => i === 0 || step.vus !== all[i - 1]!.vus);
      void this.hardStops(hardStopSteps(steps, this.config.gracefulRampDownMs, this.config.durationMs + this.config.gracefulStopMs), startMs, stopped);
      for (const step of steps) {
        if (step.atMs > 0) await Promise.race([sleepUntil(startMs + step.atMs), stopped]);
        if (this.stopped) break;
        this.rampTo(step.vus, begin);
      }
    } else {
      this.rampTo(this.share.vus, begin);
    }
    // every loop, including those begun while waiting; none removed, as two waits below both need them all
    const allDone = async (): Promise<void> => { for (let i = 0; i < loops.length; i += 1) await loops[i]; };
    await Promise.race([allDone(), sleepUntil(endMs), stopped]);
    this.stopped = true;
    const deadline = Math.min(Math.max(endMs, now()) + this.config.gracefulStopMs, this.stopDeadline);
    await Promise.race([allDone(), sleepUntil(deadline), stopped]);
    for (const order of this.inFlight.values()) this.host.interrupt(order);
    this.inFlight.clear();
    this.pool.active = 0;
  }

  stop(graceful: boolean): void {
    this.stopped = true;
    if (!graceful) {
      this.stopDeadline = now();
      this.hardStop?.();
    } else {
      this.stopDeadline = Math.min(this.stopDeadline, now() + this.config.gracefulStopMs);
    }
  }

  /** VUs up to `vus` loop; a VU above it starts no further iteration (its running one goes on, see hardStops). */
  private rampTo(vus: number, begin: (index: number) => void): void {
    this.planned = vus;
    for (let index = 1; index <= vus; index += 1) begin(index);
  }

  /** ramping-vus: at each of k6's hard-stop steps, the iterations of VUs above its count are interrupted. */
  private async hardStops(steps: { atMs: number; vus: number }[], startMs: number, stopped: Promise<void>): Promise<void> {
    for (const step of steps) {
      if (step.atMs > 0) await Promise.race([idleUntil(startMs + step.atMs), stopped]);
      if (this.stopDeadline <= now()) return; // stopped at once: run() interrupts everything itself
      for (const order of this.inFlight.values()) {
        if (this.vuIds.indexOf(order.vu) + 1 > step.vus) {
          this.inFlight.delete(order.id);
          this.host.interrupt(order);
        }
      }
    }
  }

  /** Whether VU `index` may start one more iteration. */
  private mayStart(index: number, endMs: number): boolean {
    if (this.stopped || now() >= endMs || index > this.planned) return false;
    const { executor } = this.config;
    const { iterations } = this.share;
    if (executor === 'shared-iterations') return this.started < iterations;
    if (executor === 'per-vu-iterations') return (this.iterPerVu.get(this.vuIds[index - 1]!) ?? 0) < iterations;
    return true;
  }

  private async loop(index: number, endMs: number): Promise<void> {
    const vu = this.vuIds[index - 1]!;
    this.looping.add(index);
    this.pool.active += 1;
    while (this.mayStart(index, endMs)) {
      const iter = this.iterPerVu.get(vu) ?? 0;
      this.iterPerVu.set(vu, iter + 1);
      const startedAt = now();
      const iterationInInstance = this.started++;
      const order: IterationOrder = {
        id: nextOrderId++, vu, vuInTest: this.share.vuIdInTest(vu), iter, iterationInInstance,
        iterationInTest: this.share.iterationInTest(iterationInInstance), scenario: this.config.name,
        exec: this.config.exec, tags: this.tags, env: this.config.env, dueMs: startedAt,
      };
      this.inFlight.set(order.id, order);
      const outcome = await this.host.start(order);
      if (!this.inFlight.delete(order.id)) break; // interrupted: the VU is gone with its iteration
      this.events.outcome(outcome);
    }
    this.pool.active -= 1;
    this.looping.delete(index);
  }
}
