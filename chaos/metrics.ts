/**
 * The runner's own /metrics on 127.0.0.1:ports.labMetrics (scraped as job=faultline):
 * which fault is on, and which phase the run is in, so dashboards and reports can shade them.
 */
import { createServer, type Server } from 'node:http';
import { Gauge, Registry } from 'prom-client';
import { LabError } from '../errors/lab-error.ts';

export interface FaultLabels {
  fault: string;
  target: string;
  scenario: string;
  variant: string;
}

export class LabMetrics {
  readonly registry = new Registry();
  private readonly faultActive = new Gauge({
    name: 'faultline_fault_active',
    help: 'Whether a fault applied by the runner is on (1) or off (0).',
    labelNames: ['fault', 'target', 'scenario', 'variant'] as const,
    registers: [this.registry],
  });
  private readonly phase = new Gauge({
    name: 'faultline_phase',
    help: 'The phase of the running variant (1 for the current one).',
    labelNames: ['scenario', 'variant', 'phase'] as const,
    registers: [this.registry],
  });
  private server: Server | undefined;

  setFault(labels: FaultLabels, on: boolean): void {
    this.faultActive.set({ ...labels }, on ? 1 : 0);
  }

  setPhase(scenario: string, variant: string, phase: string | undefined): void {
    this.phase.reset();
    if (phase) this.phase.set({ scenario, variant, phase }, 1);
  }

  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body))
        .catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new LabError('RUN_ERR_PORT_TAKEN', `port ${port} (labMetrics) is taken: another run is going on, or set LAB_PORT_OFFSET`)
            : error,
        ),
      );
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
