/**
 * The pinned Go tools, read from tools/versions.env (the one source tools/build.sh also reads), so
 * a run can record exactly which tools produced its numbers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TOOLS_DIR = import.meta.dirname;

export interface ToolVersions {
  /** Toxiproxy release of toxiproxy-server and toxiproxy-cli. */
  toxiproxy: string;
  /** Jaeger v2 release of the jaeger binary. */
  jaeger: string;
  /** Go module version of github.com/jaegertracing/jaeger that was built (v2 has no /v2 module). */
  jaegerModule: string;
  /** VictoriaLogs release of the victoria-logs binary. */
  victoriaLogs: string;
  /** Oldest Go toolchain that builds them all. */
  goMin: string;
}

/** Parses KEY=value lines (comments and blank lines ignored, no shell expansion). */
export function parseVersionsEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`tools/versions.env: not KEY=value: '${line}'`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function required(env: Record<string, string>, key: string): string {
  const value = env[key];
  if (value === undefined || value === '') throw new Error(`tools/versions.env: ${key} is missing`);
  return value;
}

/** Reads the pinned versions from the files beside this module (dir overridable for tests). */
export function readToolVersions(dir: string = TOOLS_DIR): ToolVersions {
  const env = parseVersionsEnv(readFileSync(join(dir, 'versions.env'), 'utf8'));
  return {
    toxiproxy: required(env, 'TOXIPROXY_VERSION'),
    jaeger: required(env, 'JAEGER_VERSION'),
    jaegerModule: required(env, 'JAEGER_MODULE_VERSION'),
    victoriaLogs: required(env, 'VICTORIA_LOGS_VERSION'),
    goMin: required(env, 'GO_MIN_VERSION'),
  };
}

/** The pinned versions of this checkout. */
export const TOOL_VERSIONS: ToolVersions = readToolVersions();

/** The Kubernetes release the manifests are validated against and the local control plane is built from. */
export function kubernetesVersion(dir: string = TOOLS_DIR): string {
  return required(parseVersionsEnv(readFileSync(join(dir, 'versions.env'), 'utf8')), 'KUBERNETES_VERSION');
}
