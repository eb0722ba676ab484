/**
 * The fixture's open-model load: iteration i is due at t0 + i/rate whatever the server does (a
 * slow response never delays the next start), bounded in count (rate × duration) and in
 * concurrency (MAX_IN_FLIGHT; beyond it an iteration is dropped, as the engine drops it). While it
 * runs it applies the fault (POST /expire every few seconds) and samples the shop's CPU, event
 * loop and memory at the phase boundaries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PhaseWindows } from '../../runner/phases.ts';
import type { StoredLogs, StoredTrace } from '../stored-data.ts';

const MAX_IN_FLIGHT = 200;
const HOT_KEYS = 5;
const DRAIN_MS = 5000;

export interface Sample {
  /** Epoch ms, fractional. */
  due: number;
  start: number | null;
  end: number | null;
  status: number;
}

interface ShopTrace { traceId: string; start: number; durationMs: number; status: number; spans: StoredTrace['spans'] }
type ShopStats = { cpuSeconds: number; eventLoopP99Ms: number; residentMiB: number; traces: ShopTrace[]; logs: StoredLogs['lines'] };

export interface LoadRecord {
  startedAt: string;
  /** Epoch ms of t=0 of the schedule (a whole second). */
  t0: number;
  samples: Sample[];
  inFlightAt: Map<number, number>;
  /** Epoch seconds. */
  phaseWindows: PhaseWindows;
  fault: { start: number; end: number; expiries: number };
  services: Record<string, Record<string, { cpuCores: number; eventLoopP99Ms: number; residentMiB: number }>>;
  cpuSeconds: number;
  /** CPU seconds this process (the load generator) used over the load. */
  generatorCpuSeconds: number;
  peakMemoryMiB: number;
  slowestTraces: StoredTrace[];
  faultLogs: StoredLogs['lines'];
  traces: ShopTrace[];
  logs: StoredLogs['lines'];
}

const now = () => performance.timeOrigin + performance.now();
/** Timers may fire a fraction of a millisecond early: wait until the moment has really come. */
async function until(epochMs: number): Promise<void> {
  while (now() < epochMs) await sleep(Math.max(1, Math.ceil(epochMs - now())));
}

export async function recordLoad(o: { port: number; rate: number; duration: number; fault: { at: number; for: number; every: number }; phases: { warmup: number; settle: number }; stats: () => Promise<ShopStats> }): Promise<LoadRecord> {
  const t0 = Math.ceil(now() / 1000) * 1000 + 1000;
  const s = (seconds: number) => t0 + seconds * 1000;
  const bounds = { steady: [s(o.phases.warmup), s(o.fault.at)], fault: [s(o.fault.at), s(o.fault.at + o.fault.for)], recovery: [s(o.fault.at + o.fault.for + o.phases.settle), s(o.duration)] } as const;
  const samples: Sample[] = [];
  const inFlightAt = new Map<number, number>();
  const traces: ShopTrace[] = [];
  const logs: StoredLogs['lines'] = [];
  let inFlight = 0;
  let expiries = 0;

  const faults = (async () => {
    for (let at = o.fault.at; at < o.fault.at + o.fault.for; at += o.fault.every) {
      await until(s(at));
      await fetch(`http://127.0.0.1:${o.port}/expire`, { method: 'POST' });
      expiries++;
    }
  })();

  const services: LoadRecord['services'] = {};
  let peakMemoryMiB = 0;
  let cpuSeconds = 0;
  const sampler = (async () => {
    await until(t0);
    let previous = await o.stats();
    const first = previous.cpuSeconds;
    const take = async () => {
      const next = await o.stats();
      traces.push(...next.traces);
      logs.push(...next.logs);
      peakMemoryMiB = Math.max(peakMemoryMiB, next.residentMiB);
      return next;
    };
    for (const [phase, [start, end]] of Object.entries(bounds)) {
      await until(start);
      previous = await take();
      await until(end);
      const next = await take();
      services[phase] = { catalog: { cpuCores: (next.cpuSeconds - previous.cpuSeconds) / ((end - start) / 1000), eventLoopP99Ms: next.eventLoopP99Ms, residentMiB: next.residentMiB } };
      previous = next;
    }
    await sleep(DRAIN_MS / 2);
    cpuSeconds = (await take()).cpuSeconds - first;
  })();

  const pending: Promise<void>[] = [];
  await until(t0);
  const cpuBefore = process.cpuUsage();
  const total = o.rate * o.duration;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / o.rate;
    await until(due);
    const sample: Sample = { due, start: null, end: null, status: 0 };
    samples.push(sample);
    if (inFlight >= MAX_IN_FLIGHT) continue;
    inFlight++;
    sample.start = now();
    inFlightAt.set(Math.floor(sample.start / 1000), inFlight);
    pending.push(
      fetch(`http://127.0.0.1:${o.port}/products/${(i % HOT_KEYS) + 1}`, { signal: AbortSignal.timeout(DRAIN_MS) })
        .then(async (r) => {
          await r.arrayBuffer();
          sample.status = r.status;
        })
        .catch(() => {
          sample.status = 0;
        })
        .finally(() => {
          sample.end = now();
          inFlight--;
          inFlightAt.set(Math.floor(sample.end / 1000), inFlight);
        }),
    );
  }
  await Promise.all(pending);
  const cpuUsed = process.cpuUsage(cpuBefore);
  await Promise.all([faults, sampler]);

  const fault = { start: s(o.fault.at) / 1000, end: s(o.fault.at + o.fault.for) / 1000, expiries };
  const phaseWindows: PhaseWindows = { run: { start: t0 / 1000, end: s(o.duration) / 1000 } };
  for (const [phase, [start, end]] of Object.entries(bounds)) phaseWindows[phase as 'steady' | 'fault' | 'recovery'] = { start: start / 1000, end: end / 1000 };
  const slowestTraces = Object.entries(bounds).flatMap(([phase, [start, end]]) =>
    traces
      .filter((t) => t.start >= start && t.start < end)
      .sort((a, b) => b.durationMs - a.durationMs)
      .slice(0, 3)
      .map((t) => ({ phase, traceId: t.traceId, service: 'catalog', operation: 'GET /products/:id', start: new Date(t.start).toISOString(), durationMs: t.durationMs, spans: t.spans })),
  );
  const faultLogs = logs.filter((l) => Date.parse(l.time) >= fault.start * 1000 && Date.parse(l.time) <= fault.end * 1000);
  return { startedAt: new Date(t0).toISOString(), t0, samples, inFlightAt, phaseWindows, fault, services, cpuSeconds, generatorCpuSeconds: (cpuUsed.user + cpuUsed.system) / 1e6, peakMemoryMiB, slowestTraces, faultLogs, traces, logs };
}
