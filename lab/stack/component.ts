import type { PortMap } from '../ports.ts';
import type { StackContext } from './context.ts';
import type { PortClaim } from './port-check.ts';

/** How to launch a component once its data dir and config are in place. */
export interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  stopSignal?: NodeJS.Signals;
}

/** One infrastructure component of the native stack: a row of the component table. */
export interface Component {
  readonly name: string;
  /** Components that must be healthy before this one starts. */
  readonly after: readonly string[];
  /** Longest time from spawn to healthy before the start fails. */
  readonly startTimeoutMs: number;
  /** The port shown in `status`. */
  port(ports: PortMap): number;
  /** Where Prometheus scrapes its own /metrics (job and instance = its name), if it has any. */
  metricsPort?(ports: PortMap): number;
  /** Its own web UI, where a person reads what it holds (shown by `status`), if it has one. */
  ui?(ports: PortMap): string;
  /** Every port it listens on, checked free before anything starts. */
  claims(ports: PortMap): PortClaim[];
  /** Resolves its executables; throws LAB_ERR_MISSING_BINARY naming the fix. No side effects. */
  binaries(ctx: StackContext): string[];
  /** Where it keeps its data, for a fault that restarts it without it (a broker that lost its disk). */
  dataDir?(ctx: StackContext): string;
  /** Creates its data dir and config under the lab dir and says how to launch it. */
  prepare(ctx: StackContext): Promise<Launch>;
  /** One real health probe (its readiness endpoint or a real query); throws when not healthy. */
  probe(ctx: StackContext): Promise<void>;
  /** Runs once after the first healthy probe (e.g. creating the database). */
  afterHealthy?(ctx: StackContext): Promise<void>;
  /** The version the running component reports. */
  version(ctx: StackContext): Promise<string>;
}

export function claim(port: number, owner: string): PortClaim {
  return { port, owner };
}
