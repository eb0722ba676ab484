/**
 * Regenerates images/lab-defaults/ (what a plain `docker compose up` reads) from topology.ts and
 * the default port map: `node lab/stack/compose/write-defaults.ts`. A test fails when the committed
 * files differ from what this writes.
 */
import { join } from 'node:path';
import { resolvePorts } from '../../ports.ts';
import type { StackContext } from '../context.ts';
import { loadTopology } from '../topology.ts';
import { DEFAULT_INPUTS_DIR, writeComposeInputs } from './inputs.ts';

/** Writes the default inputs into dir (default: images/lab-defaults). */
export async function writeDefaultInputs(dir = DEFAULT_INPUTS_DIR): Promise<void> {
  const env = {};
  const ctx: StackContext = { env, ports: resolvePorts(env), dir, logsDir: join(dir, 'logs'), runDir: join(dir, 'run'), toolsBin: '' };
  writeComposeInputs(ctx, await loadTopology(env), { appConfig: {} });
}

if (import.meta.main) await writeDefaultInputs();
