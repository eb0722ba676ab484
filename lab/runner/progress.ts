/**
 * The live progress line: scenario, variant, phase, elapsed/total, arrival rate, p95, error
 * rate and active faults. On a terminal one line is rewritten each second; otherwise a plain
 * line is printed every few seconds, so CI logs stay readable.
 */
import type { PrometheusClient } from '../prometheus-client.ts';

export interface ProgressState {
  scenario: string;
  variant: string;
  phase: string;
  elapsed: number;
  total: number;
  faults: string[];
}

interface Live {
  rate: number | null;
  p95: number | null;
  errors: number | null;
}

const PLAIN_EVERY_MS = 5000;

export class ProgressLine {
  private live: Live = { rate: null, p95: null, errors: null };
  private timer: NodeJS.Timeout | undefined;
  private lastPlain = 0;
  private readonly tty: boolean;
  private readonly out: NodeJS.WriteStream;
  private readonly prometheus: PrometheusClient;
  private readonly selector: string;
  private readonly state: () => ProgressState;

  constructor(out: NodeJS.WriteStream, prometheus: PrometheusClient, selector: string, state: () => ProgressState) {
    this.out = out;
    this.tty = out.isTTY === true;
    this.prometheus = prometheus;
    this.selector = selector;
    this.state = state;
  }

  start(): void {
    let tick = 0;
    this.timer = setInterval(() => {
      if (tick++ % 2 === 0) void this.refresh();
      this.render();
    }, 1000);
  }

  /** Ends the line (so the next output starts on its own line). */
  stop(): void {
    clearInterval(this.timer);
    if (this.tty) this.out.write('\n');
  }

  /** Prints a line above the progress line. */
  note(line: string): void {
    if (this.tty) this.out.write(`\r\x1b[2K${line}\n`);
    else this.out.write(`${line}\n`);
  }

  private async refresh(): Promise<void> {
    const s = this.selector;
    const now = Date.now() / 1000;
    const get = (q: string) => this.prometheus.value(q, now, 'the progress line').catch(() => null);
    const [rate, p95, errors] = await Promise.all([
      get(`sum(rate(k6_iterations_total{${s}}[5s]))`),
      get(`histogram_quantile(0.95, sum(rate(k6_http_req_duration_seconds{${s}}[5s])))`),
      get(`(sum(rate(k6_http_reqs_total{${s},expected_response="false"}[5s])) or vector(0)) / sum(rate(k6_http_reqs_total{${s}}[5s]))`),
    ]);
    this.live = { rate, p95, errors };
  }

  private render(): void {
    const line = formatProgress(this.state(), this.live);
    if (this.tty) {
      this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns || 160) - 1)}`);
    } else if (Date.now() - this.lastPlain >= PLAIN_EVERY_MS) {
      this.lastPlain = Date.now();
      this.out.write(`${line}\n`);
    }
  }
}

export function formatProgress(s: ProgressState, live: Live): string {
  const rate = live.rate === null ? '-' : `${live.rate.toFixed(0)}/s`;
  const p95 = live.p95 === null ? '-' : `${(live.p95 * 1000).toFixed(1)} ms`;
  const errors = live.errors === null ? '-' : `${(live.errors * 100).toFixed(1)}%`;
  const faults = s.faults.length ? s.faults.join(', ') : 'none';
  return `${s.scenario} | ${s.variant} | ${s.phase.padEnd(8)} | ${Math.floor(s.elapsed)}/${s.total} s | ${rate} | p95 ${p95} | errors ${errors} | faults: ${faults}`;
}
