/**
 * CPU time of a running process (all its threads, and its child processes while they live),
 * sampled from /proc every few tens of ms, so the CPU spent inside any wall-clock window of
 * a run can be read afterwards, free of start-up and shut-down cost.
 */
import { readFileSync } from 'node:fs';
import { procCpuSeconds } from '../../lab/proc-stat.ts';

const SAMPLE_EVERY_MS = 50;

/** utime + stime of one process in ms, or undefined once it is gone. */
function ownCpuMs(pid: number): number | undefined {
  const seconds = procCpuSeconds(pid);
  return seconds === undefined ? undefined : seconds * 1000;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU ms of a process and its descendants alive now. */
function treeCpuMs(pid: number): number | undefined {
  const own = ownCpuMs(pid);
  if (own === undefined) return undefined;
  return childPids(pid).reduce((sum, child) => sum + (treeCpuMs(child) ?? 0), own);
}

export class CpuSampler {
  private readonly samples: { atMs: number; cpuMs: number }[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly pid: number;

  constructor(pid: number) {
    this.pid = pid;
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  private sample(): void {
    const cpuMs = treeCpuMs(this.pid);
    if (cpuMs !== undefined) this.samples.push({ atMs: Date.now(), cpuMs });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * CPU ms at wall-clock time atMs, interpolated between the samples around it. A moment just
   * after the last sample (a window ending as the process exits) takes the last sample.
   */
  cpuAt(atMs: number): number {
    const after = this.samples.findIndex((s) => s.atMs >= atMs);
    const last = this.samples.at(-1);
    if (after < 0 && last !== undefined && atMs - last.atMs <= 2 * SAMPLE_EVERY_MS) return last.cpuMs;
    if (after <= 0) throw new Error(`no CPU samples around ${new Date(atMs).toISOString()}: the window is outside the process's life`);
    const a = this.samples[after - 1]!;
    const b = this.samples[after]!;
    return a.cpuMs + ((b.cpuMs - a.cpuMs) * (atMs - a.atMs)) / Math.max(1, b.atMs - a.atMs);
  }
}
