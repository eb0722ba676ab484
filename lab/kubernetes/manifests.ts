/**
 * The lab's Kubernetes manifests as kustomize renders them (deploy/kubernetes/), and kubeconform's
 * verdict on them against the pinned release's schemas (schemas.ts). Both tools come from the
 * tool cache (tools/build.sh links them into .tools/bin/).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT, TOOLS_BIN } from '../paths.ts';

const run = promisify(execFile);

export const DEPLOY_DIR = join(PROJECT_ROOT, 'deploy', 'kubernetes');

/** One rendered object, as far as the lab reads it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** The overlays under deploy/kubernetes/overlays/ (lab, perf). */
export function overlays(): string[] {
  return readdirSync(join(DEPLOY_DIR, 'overlays'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** A binary of the tool cache; one line naming the fix when it is not there. */
export function toolBinary(name: string, setup = 'make setup'): string {
  const path = join(TOOLS_BIN, name);
  if (!existsSync(path)) throw new Error(`${name} is not in .tools/bin: run \`${setup}\``);
  return path;
}

/**
 * `kustomize build` of an overlay (or any kustomization dir). The base takes the native stack's
 * own rules, Jaeger config and dashboards from outside deploy/, hence LoadRestrictionsNone.
 */
export async function renderYaml(dir: string): Promise<string> {
  const { stdout } = await run(toolBinary('kustomize'), ['build', '--load-restrictor', 'LoadRestrictionsNone', dir], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export function parseObjects(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

export async function renderOverlay(overlay: string): Promise<KubeObject[]> {
  return parseObjects(await renderYaml(join(DEPLOY_DIR, 'overlays', overlay)));
}

export interface Verdict {
  ok: boolean;
  /** kubeconform's lines: one per invalid object, then its summary. */
  output: string;
}

/** kubeconform -strict of rendered YAML (given as a file) against the schemas in schemaDir. */
export async function validate(file: string, schemaDir: string): Promise<Verdict> {
  const args = ['-strict', '-summary', '-schema-location', join(schemaDir, '{{.ResourceKind}}{{.KindSuffix}}.json'), file];
  try {
    const { stdout } = await run(toolBinary('kubeconform'), args);
    return { ok: true, output: stdout.trim() };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message };
  }
}
