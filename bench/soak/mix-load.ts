/**
 * The soak's workload: the perf-gate benchmark's mix (hot and cold product reads, list pages,
 * orders, scenarios/perf-gate/load.ts) through the gateway, so every service of the app and
 * every store behind it takes its share, run by the lab's own engine runner (embedded engine,
 * open-model constant arrival rate, per-second HDR file, real-time priority where permitted,
 * a pid file so `make down` ends it, a deadline past its duration).
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lab/paths.ts';
import { loadSecondsFile } from '../../lab/load-seconds/read.ts';
import { startLoad, type RunningLoad } from '../../lab/runner/load-engine.ts';
import type { StackHandle } from '../../lab/stack/index.ts';
import perfGate from '../../scenarios/perf-gate/scenario.ts';

export const MIX_SCRIPT = join(PROJECT_ROOT, 'scenarios', 'perf-gate', 'load.ts');
/** The mix's shares and key space, as the gate runs them; RATE is the soak's own. */
export const MIX_VARS: Record<string, string | number> = perfGate.profiles.full!.vars ?? {};
/** The perf-gate topology: one catalog, cold reads at the real query's cost, no failover or retries (a slow second shows as latency, not as a hidden retry). */
export const MIX_TOPOLOGY = { config: perfGate.topology?.config ?? {}, products: perfGate.topology?.products ?? 10_000 };

export interface MixRun {
  stack: StackHandle;
  /** A customer token for the orders (in the engine's environment, never on its command line). */
  token: string;
  resultsDir: string;
  runId: string;
}

export interface MixLoad {
  load: RunningLoad;
  /** The engine's per-second file, written while it runs. */
  secondsFile: string;
}

/** Starts the mix at `rate` requests/s for `seconds`; `name` names its files in the results directory. */
export function startMix(run: MixRun, name: string, rate: number, seconds: number): MixLoad {
  const load = startLoad({
    engine: 'embedded',
    script: MIX_SCRIPT,
    variant: name,
    scenario: 'soak',
    runId: run.runId,
    profile: 'soak',
    duration: seconds,
    vars: { ...MIX_VARS, RATE: rate },
    resultsDir: run.resultsDir,
    env: run.stack.env,
    token: run.token,
    // its figures come from the per-second file; the engine's Prometheus series would grow with every product id read (see LoadRun.remoteWrite)
    remoteWrite: false,
  });
  return { load, secondsFile: join(run.resultsDir, loadSecondsFile(name)) };
}
