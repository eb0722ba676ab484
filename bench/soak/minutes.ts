/**
 * The soak's per-minute figures while the engine runs: each minute's seconds read from the
 * engine's per-second file as it grows (only the new ones decoded, so the reader's own cost stays
 * flat over a long run), their HDR histograms merged exactly; the proportional resident memory
 * (PSS) of every process of the stack with its children (postgres's backends, Redis's rewrite
 * child: as RSS, the pages they share would count twice), sampled every 10 s; and the
 * machine's 1-minute load average at each minute's end.
 */
import { readFileSync } from 'node:fs';
import type * as hdr from 'hdr-histogram-js';
import { median } from 'simple-statistics';
import { readLoadSeconds, type LoadSecond } from '../../lab/load-seconds/read.ts';
import { mergedRoute, mergedWindow, percentileMs, windowCounts } from '../../lab/load-seconds/window.ts';
import { parentPids, treePssKiB } from '../../lab/proc-stat.ts';
import type { StackHandle } from '../../lab/stack/index.ts';

export const ROUTES = ['hot', 'cold', 'list', 'order'];

export interface Minute {
  /** 1-based: minute m covers [t0 + (m-1) min, t0 + m min). */
  minute: number;
  planned: number;
  requests: number;
  failed: number;
  dropped: number;
  /** Completed requests per second over the minute. */
  rate: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** p99 of each route of the mix. */
  routeP99Ms: Record<string, number | null>;
  /** Proportional resident memory (PSS) in MiB over the minute (median of 10 s samples), by process of the stack. */
  pssMiB: Record<string, number>;
  loadAverage: number;
}

export const loadAverage = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/** Memory samples taken this often: one sample would catch a Node heap before or after a collection. */
const MEMORY_SAMPLE_MS = 10_000;

/**
 * Proportional resident memory of every process tree of the stack (infrastructure and app instances), MiB,
 * sampled every 10 s; a minute's figure per process is the median of its samples.
 */
export class MemorySampler {
  private samples = new Map<string, number[]>();
  private readonly timer: NodeJS.Timeout;
  private readonly names: string[];
  private readonly stack: StackHandle;

  constructor(stack: StackHandle) {
    this.stack = stack;
    this.names = [...stack.components(), ...stack.instances().map((i) => i.instance)];
    this.sample();
    this.timer = setInterval(() => this.sample(), MEMORY_SAMPLE_MS);
  }

  private sample(): void {
    const parents = parentPids();
    for (const name of this.names) {
      const pid = this.stack.pidOf(name);
      if (pid === undefined) continue;
      const list = this.samples.get(name) ?? [];
      list.push(treePssKiB(pid, parents) / 1024);
      this.samples.set(name, list);
    }
  }

  /** The median of each process's samples since the last call (the minute's), then starts over. */
  takeMinute(): Record<string, number> {
    this.sample();
    const minute = Object.fromEntries([...this.samples].map(([name, list]) => [name, median(list)]));
    this.samples = new Map();
    return minute;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Reads a growing per-second file minute by minute; keeps only the seconds not yet judged. */
export class MinuteReader {
  private pending: LoadSecond[] = [];
  private next: number | undefined;
  /** Each minute's merged latency, kept for windows of several minutes (the drift). */
  readonly histograms: hdr.Histogram[] = [];

  private readonly secondsFile: string;
  private readonly t0: number;

  constructor(secondsFile: string, t0: number) {
    this.secondsFile = secondsFile;
    this.t0 = t0;
  }

  /** The figures of minute m (its seconds must be written by now). */
  minute(m: number, memory: MemorySampler): Minute {
    const pssMiB = memory.takeMinute();
    const file = readLoadSeconds(this.secondsFile, { growing: true, ...(this.next === undefined ? {} : { since: this.next }) });
    this.pending.push(...file.seconds);
    const last = file.seconds.at(-1);
    if (last) this.next = last.t + 1;
    const window = { start: this.t0 + (m - 1) * 60_000, end: this.t0 + m * 60_000 };
    const load = { ...file, seconds: this.pending };
    const counts = windowCounts(load, window);
    const latency = mergedWindow(load, window);
    this.histograms[m - 1] = latency;
    const routeP99Ms = Object.fromEntries(ROUTES.map((route) => [route, percentileMs(mergedRoute(load, window, route), 99)]));
    // the seconds of this minute and before are judged: drop them, so memory stays flat
    this.pending = this.pending.filter((s) => s.t * 1000 >= window.end);
    return {
      minute: m,
      planned: counts.planned,
      requests: counts.requests,
      failed: counts.failed,
      dropped: counts.dropped,
      rate: counts.requests / 60,
      p50Ms: percentileMs(latency, 50),
      p99Ms: percentileMs(latency, 99),
      routeP99Ms,
      pssMiB,
      loadAverage: loadAverage(),
    };
  }
}

/** One progress line: minute, rate, p99, errors, memory by process. */
export function progressLine(m: Minute, minutes: number, soakRate: number): string {
  const ms = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(1)} ms`);
  const pss = Object.entries(m.pssMiB).map(([name, mib]) => `${name} ${mib.toFixed(0)}`).join(' ');
  return (
    `minute ${String(m.minute).padStart(2)}/${minutes}: ${m.rate.toFixed(1)}/s of ${soakRate}/s, p99 ${ms(m.p99Ms)}, ` +
    `failed ${m.failed}, dropped ${m.dropped}, load ${m.loadAverage.toFixed(1)} | PSS MiB ${pss}\n`
  );
}
