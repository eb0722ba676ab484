/**
 * What every fault type is: a name, validated attributes, apply (which returns its own revert)
 * and, where the data can show it, the check that proves the fault took effect.
 */
import type { z } from 'zod';
import type { ToxiproxyClient } from './toxiproxy.ts';

/** Comparison operators shared by visibility checks and hypotheses. */
export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

/**
 * A PromQL check judged over the window the fault was active. `$window` in the expression
 * becomes that window's length (e.g. `12s`).
 */
export interface VisibilityCheck {
  description: string;
  promql: string;
  op: Op;
  value: number;
}

/** How chaos reaches processes: the stack handle provides this. */
export interface ProcessControl {
  pidOf(instance: string): number | undefined;
  /** Starts the instance again (after a kill) or restarts it (stop, then start). */
  restart(instance: string): Promise<void>;
  /** Starts a lab component (redis, postgres) again after a kill, with its data or without it (discardData). */
  restartComponent?(component: string, options: { discardData: boolean }): Promise<void>;
  /**
   * Where the stack's processes are pods (Kubernetes), a process fault is its pod form
   * (chaos/kubernetes-forms.ts) started on the target's pods; the revert ends it.
   */
  podFault?(type: string, target: string): Promise<{ experiment: string; revert(): Promise<void> }>;
}

export interface FaultContext {
  toxiproxy: ToxiproxyClient;
  processes?: ProcessControl;
  /** The lab's Redis itself, never its proxies, so a cache fault is not blocked by a network fault. */
  redis?: { host: string; port: number };
}

export interface AppliedFault {
  revert(): Promise<void>;
  /** What apply observed (keys expired, pid signalled), kept in the run's summary. */
  detail: Record<string, unknown>;
  /** Set when the fault demonstrably had nothing to act on: the run is then inconclusive. */
  noEffect?: () => string | undefined;
}

/** What a fault acts on: a Toxiproxy proxy, an app instance, a service's cache, or a lab component (redis, postgres). */
export type TargetKind = 'proxy' | 'instance' | 'cache' | 'component';

export interface FaultType<A = Record<string, unknown>> {
  /** The name scenarios use, e.g. `latency`, `proxy-down`, `cache-expire`. */
  type: string;
  /** One line for `faultline list` and the report. */
  summary: string;
  target: TargetKind;
  attributes: z.ZodType<A>;
  /** `id` is unique within a run: toxics are named after it, so revert removes exactly this one. */
  apply(ctx: FaultContext, target: string, attributes: A, id: string): Promise<AppliedFault>;
  visibility?(target: string, attributes: A): VisibilityCheck | undefined;
}

/** Lets a module declare its fault with its attribute type checked, then sit in one table. */
export function defineFault<A>(fault: FaultType<A>): FaultType<A> {
  return fault;
}
