/**
 * What the compose tests need, made ready before `make test` runs them, where a Docker engine can
 * be had: docker.io and debootstrap (as root on Debian, what `LAB_RUNTIME=compose make setup`
 * installs), the compose plugin (tools/build-compose.sh), and every image, the load engine's
 * included (images/build.sh on the engine; the lab's own is stopped again afterwards, so the tests
 * start and stop it themselves).
 * Where no engine can be had, nothing is installed and the reason goes to the summary line.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT, labDir } from '../lab/paths.ts';
import { stackContext } from '../lab/stack/context.ts';
import { ensureEngine, isDebian } from '../lab/stack/compose/engine.ts';
import { stopStack } from '../lab/stack/index.ts';
import { composeSkipReason } from '../lab/test/lab-env.ts';

export type ComposeReadiness =
  | { state: 'ready' }
  | { state: 'skipped'; reason: string }
  /** Could have run, but a step broke: the tests run anyway and fail, and this counts once more. */
  | { state: 'broken'; error: string };

function say(line: string): void {
  process.stdout.write(`test: compose: ${line}\n`);
}

/** Runs a project script with the terminal as its output; rejects with its last words on failure. */
function script(path: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(PROJECT_ROOT, path), args, { cwd: PROJECT_ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${path} exited with ${signal ?? code}`))));
  });
}

async function timed(what: string, step: () => Promise<void>): Promise<void> {
  const started = Date.now();
  await step();
  say(`${what} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

export async function prepareCompose(env: NodeJS.ProcessEnv = process.env): Promise<ComposeReadiness> {
  const reason = await composeSkipReason(env);
  if (reason !== null) {
    say(`the compose tests are skipped: ${reason}`);
    return { state: 'skipped', reason };
  }
  // the lab dir the images are built from: the tests' own, apart from the user's stack
  const buildEnv: NodeJS.ProcessEnv = { ...env, LAB_RUNTIME: 'compose', LAB_DIR: join(labDir(env), 'tests', 'compose-images') };
  // an interrupted build leaves no engine running
  const stopOnSignal = (signal: NodeJS.Signals) => void stopStack(buildEnv).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', stopOnSignal).once('SIGTERM', stopOnSignal);
  // the plugin's Go build and the engine's package and image builds need nothing of each other,
  // and both mostly wait on downloads: side by side they take the longer one's time, not the sum
  const plugin = timed('compose plugin present', () => script('tools/build-compose.sh', env));
  const images = (async () => {
    if (process.getuid?.() === 0 && isDebian(env)) {
      await timed('docker.io and debootstrap present', () => script('tools/install-system-packages.sh', { ...env, FAULTLINE_SYSTEM_PACKAGES: 'docker.io debootstrap' }));
    }
    const engine = await ensureEngine(stackContext(buildEnv));
    try {
      // the load engine's too, which compose-load-image.test.ts runs as a cluster's Job would
      await timed('images built', () => script('images/build.sh', { ...env, DOCKER_HOST: engine.host }, ['all', 'load']));
    } finally {
      if (engine.owned) await stopStack(buildEnv);
    }
  })();
  const failure = (await Promise.allSettled([plugin, images])).find((result) => result.status === 'rejected');
  process.off('SIGINT', stopOnSignal).off('SIGTERM', stopOnSignal);
  if (!failure) return { state: 'ready' };
  const message = failure.reason instanceof Error ? failure.reason.message : String(failure.reason);
  say(`preparing the compose tests failed: ${message}`);
  return { state: 'broken', error: message };
}
