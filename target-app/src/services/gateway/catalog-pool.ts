/**
 * Client-side load balancing over the catalog instances, discovered at run time
 * (PUT /admin/upstreams/catalog). Failover off: plain round robin over every instance.
 * Failover on: active health checks (GET /readyz), outlier ejection after consecutive
 * failures, and `pick` skips instances already tried by this request. When every instance
 * is out, it falls back to all of them (panic mode) rather than failing everything.
 */
import type { ServiceMetrics } from '../../platform/metrics.ts';
import type { Logger } from '../../platform/logger.ts';

export interface PoolSettings {
  failover: boolean;
  healthCheckIntervalMs: number;
  outlierConsecutiveFailures: number;
  outlierEjectionMs: number;
}

interface Instance {
  url: string;
  /** Last active health check passed (true until one fails). */
  healthy: boolean;
  consecutiveFailures: number;
  ejectedUntil: number;
}

const HEALTH_TIMEOUT_MS = 500;

export class CatalogPool {
  private instances: Instance[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private settings: PoolSettings;
  private readonly logger: Logger;
  private readonly ejections: ReturnType<ServiceMetrics['counter']>;

  constructor(urls: string[], settings: PoolSettings, metrics: ServiceMetrics, logger: Logger) {
    this.settings = settings;
    this.logger = logger;
    const pool = this;
    metrics.gauge({
      name: 'catalog_replicas',
      help: "Catalog instances in the gateway's view (discovered through the admin API).",
      collect() {
        this.set(pool.instances.length);
      },
    });
    metrics.gauge({
      name: 'catalog_replicas_eligible',
      help: 'Catalog instances the gateway would pick now (failover on: healthy and not ejected).',
      collect() {
        const now = Date.now();
        this.set(pool.instances.filter((i) => pool.eligible(i, now)).length);
      },
    });
    this.ejections = metrics.counter({ name: 'outlier_ejections_total', help: 'Catalog instances ejected after consecutive failures.' });
    this.setUpstreams(urls);
    this.reconfigure(settings);
  }

  /** Replaces the instance list, keeping the state of instances that stay. */
  setUpstreams(urls: string[]): void {
    const known = new Map(this.instances.map((i) => [i.url, i]));
    this.instances = [...new Set(urls)].map((url) => known.get(url) ?? { url, healthy: true, consecutiveFailures: 0, ejectedUntil: 0 });
  }

  get urls(): string[] {
    return this.instances.map((i) => i.url);
  }

  reconfigure(settings: PoolSettings): void {
    this.settings = settings;
    clearInterval(this.timer);
    this.timer = undefined;
    if (settings.failover) {
      this.timer = setInterval(() => void this.checkAll(), settings.healthCheckIntervalMs);
      this.timer.unref();
    } else {
      for (const i of this.instances) Object.assign(i, { healthy: true, consecutiveFailures: 0, ejectedUntil: 0 });
    }
  }

  private eligible(instance: Instance, now: number): boolean {
    return !this.settings.failover || (instance.healthy && instance.ejectedUntil <= now);
  }

  /** The next instance in round robin, avoiding `tried` and (failover on) unhealthy or ejected ones. */
  pick(tried: ReadonlySet<string> = new Set()): string | undefined {
    const n = this.instances.length;
    if (n === 0) return undefined;
    const now = Date.now();
    for (const acceptable of [(i: Instance) => this.eligible(i, now) && !tried.has(i.url), (i: Instance) => !tried.has(i.url), () => true]) {
      for (let k = 0; k < n; k++) {
        const instance = this.instances[(this.next + k) % n]!;
        if (acceptable(instance)) {
          this.next = (this.next + k + 1) % n;
          return instance.url;
        }
      }
    }
    return undefined;
  }

  /** Passive outlier detection: a 5xx or no answer counts against the instance. */
  record(url: string, ok: boolean): void {
    const instance = this.instances.find((i) => i.url === url);
    if (!instance || !this.settings.failover) return;
    if (ok) {
      instance.consecutiveFailures = 0;
      return;
    }
    instance.consecutiveFailures += 1;
    if (instance.consecutiveFailures >= this.settings.outlierConsecutiveFailures && instance.ejectedUntil <= Date.now()) {
      instance.ejectedUntil = Date.now() + this.settings.outlierEjectionMs;
      instance.consecutiveFailures = 0;
      this.ejections.inc();
      this.logger.warn({ upstream: url, forMs: this.settings.outlierEjectionMs }, 'catalog instance ejected after consecutive failures');
    }
  }

  private async checkAll(): Promise<void> {
    await Promise.all(
      this.instances.map(async (instance) => {
        let ok = false;
        try {
          const res = await fetch(`${instance.url}/readyz`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
          await res.arrayBuffer();
          ok = res.ok;
        } catch {
          ok = false;
        }
        if (ok !== instance.healthy) this.logger.warn({ upstream: instance.url, healthy: ok }, 'catalog instance health changed');
        instance.healthy = ok;
      }),
    );
  }

  close(): void {
    clearInterval(this.timer);
  }
}
