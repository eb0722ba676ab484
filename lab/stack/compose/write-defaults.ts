/**
 * Regenerates images/lab-defaults/ (what a plain `docker compose up` reads when told nothing)
 * from topology.ts and the default port map: `node lab/stack/compose/write-defaults.ts`. A test
 * fails when the committed files differ from what this writes. They carry no secret, so the
 * database refuses to start on them; `--lab` writes the lab's own inputs, with its generated
 * secrets, into the lab dir instead: `FAULTLINE_COMPOSE_INPUTS=$PWD/.lab docker compose up -d`.
 */
import { join } from 'node:path';
import { resolvePorts } from '../../ports.ts';
import { ensureLabSecrets } from '../../secrets.ts';
import { stackContext, type StackContext } from '../context.ts';
import { loadTopology } from '../topology.ts';
import { DEFAULT_INPUTS_DIR, writeComposeInputs } from './inputs.ts';

/** Writes the default inputs into dir (default: images/lab-defaults). */
export async function writeDefaultInputs(dir = DEFAULT_INPUTS_DIR): Promise<void> {
  const env = {};
  const ctx: StackContext = { env, ports: resolvePorts(env), dir, logsDir: join(dir, 'logs'), runDir: join(dir, 'run'), toolsBin: '' };
  writeComposeInputs(ctx, await loadTopology(env), { appConfig: {} });
}

/** Writes this lab's inputs, its secrets included, into its lab dir; the dir written. */
export async function writeLabInputs(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const ctx = stackContext(env);
  writeComposeInputs(ctx, await loadTopology(env), { appConfig: {} }, ensureLabSecrets(env));
  return ctx.dir;
}

if (import.meta.main) {
  if (process.argv.includes('--lab')) console.log(`FAULTLINE_COMPOSE_INPUTS=${await writeLabInputs()}`);
  else await writeDefaultInputs();
}
