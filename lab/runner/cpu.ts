/**
 * Watches the load generator's own CPU from /proc: how many cores it used (utime + stime of all
 * its threads) and how long its threads waited on a run queue each time they had work
 * (schedstat). A k6 that waits for a CPU cannot keep its schedule or time its requests, so its
 * numbers do not describe the system.
 *
 * The share of runnable time spent waiting is recorded but not judged: k6's many short wake-ups
 * make it about half even on an idle machine. The mean wait per wake-up is what moves: 0.02 ms
 * idle, 0.05 ms with the machine's cores saturated by other work at normal priority (measured on
 * the project's 2-core machine with k6 at nice -5).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { procCpuSeconds as cpuSeconds } from '../proc-stat.ts';

/** k6 waited this long on average for a CPU each time it had work (ms) or more: starved. */
export const STARVED_DELAY_MS = 0.5;
/** k6 alone used this share of every core on average or more: it was the bottleneck. */
export const STARVED_CORE_SHARE = 0.85;

export interface CpuReport {
  seconds: number;
  averageCores: number;
  peakCores: number;
  runQueueWaitRatio: number;
  schedulingDelayMs: number;
  starved: boolean;
}

/** Sum over threads of [ns on CPU, ns waiting on a run queue, times scheduled]. */
function schedstat(pid: number): [number, number, number] | undefined {
  try {
    let run = 0;
    let wait = 0;
    let slices = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [r, w, n] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        run += r ?? 0;
        wait += w ?? 0;
        slices += n ?? 0;
      } catch {
        // the thread ended between readdir and read
      }
    }
    return [run, wait, slices];
  } catch {
    return undefined;
  }
}

export class CpuWatch {
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = performance.now();
  private first: number | undefined;
  private last: number | undefined;
  private lastAt = performance.now();
  private peak = 0;
  private sched: [number, number, number] = [0, 0, 0];
  private firstSched: [number, number, number] | undefined;

  private readonly pid: number;

  constructor(pid: number) {
    this.pid = pid;
    this.first = cpuSeconds(pid);
    this.last = this.first;
    this.firstSched = schedstat(pid);
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  private sample(): void {
    const now = performance.now();
    const used = cpuSeconds(this.pid);
    const sched = schedstat(this.pid);
    if (used !== undefined && this.last !== undefined) {
      this.peak = Math.max(this.peak, (used - this.last) / ((now - this.lastAt) / 1000));
      this.last = used;
    }
    if (sched) this.sched = sched;
    this.lastAt = now;
  }

  stop(): CpuReport {
    this.sample();
    clearInterval(this.timer);
    const seconds = this.last !== undefined && this.first !== undefined ? this.last - this.first : 0;
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const averageCores = elapsed > 0 ? seconds / elapsed : 0;
    const base = this.firstSched ?? [0, 0, 0];
    const run = this.sched[0] - base[0];
    const wait = this.sched[1] - base[1];
    const slices = this.sched[2] - base[2];
    const runQueueWaitRatio = run + wait > 0 ? wait / (run + wait) : 0;
    const schedulingDelayMs = slices > 0 ? wait / slices / 1e6 : 0;
    const starved = schedulingDelayMs >= STARVED_DELAY_MS || averageCores >= STARVED_CORE_SHARE * cpus().length;
    return { seconds: round(seconds), averageCores: round(averageCores), peakCores: round(this.peak), runQueueWaitRatio: round(runQueueWaitRatio), schedulingDelayMs: round(schedulingDelayMs), starved };
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
