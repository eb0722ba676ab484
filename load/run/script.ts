/** Loads a k6 script (its init context) with the k6 modules resolved to the engine; load failures become one-line errors. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { installK6Modules } from '../hooks.ts';
import { closeInitContext } from '../metrics/definitions.ts';
import { engine } from './context.ts';
import { EngineError } from './errors.ts';

export type ScriptModule = Record<string, unknown>;

/** How long the script's init context takes to run once more, as k6 runs it for every VU it adds. */
export let initContextMs = 0;

export async function loadScript(path: string): Promise<ScriptModule> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new EngineError('script', `script ${path} not found; give the path of a k6 script (.ts or .js)`);
  installK6Modules();
  let script: ScriptModule;
  try {
    script = (await import(pathToFileURL(absolute).href)) as ScriptModule;
  } catch (error) {
    if (error instanceof EngineError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const missing = /The requested module '(k6[^']*)' does not provide an export named '([^']+)'/.exec(message);
    if (missing) throw new EngineError('options', `${missing[1]}.${missing[2]} is outside the embedded engine's k6 subset; see load/README.md for what it offers`);
    throw new EngineError('script', `${path} failed in its init context: ${message.split('\n')[0]}`);
  }
  // a fresh module instance (its imports are cached): the script's own init code, compiled and run;
  // measured once, on the main thread, which paces the VUs it adds by it
  if (isMainThread) {
    const started = performance.now();
    await import(`${pathToFileURL(absolute).href}?vu-init`);
    initContextMs = performance.now() - started;
  }
  closeInitContext();
  engine.initContext = false;
  return script;
}
