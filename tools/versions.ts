/**
 * The pinned Go tools, read from tools/versions.env (the one source tools/build.sh also reads) and
 * tools/k6/extensions.txt, so a run can record exactly which tools produced its numbers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TOOLS_DIR = import.meta.dirname;

export interface ToolVersions {
  /** k6 release, e.g. v2.2.0 (built by xk6 with `k6Extensions`). */
  k6: string;
  /** xk6 release that builds k6. */
  xk6: string;
  /** k6 extensions as given to `xk6 build --with` (module[@version] or module=./local-dir). */
  k6Extensions: string[];
  /** Toxiproxy release of toxiproxy-server and toxiproxy-cli. */
  toxiproxy: string;
  /** Jaeger v2 release of the jaeger binary. */
  jaeger: string;
  /** Go module version of github.com/jaegertracing/jaeger that was built (v2 has no /v2 module). */
  jaegerModule: string;
  /** Loki release. */
  loki: string;
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

/** Parses tools/k6/extensions.txt: one extension a line, comments and blank lines ignored. */
export function parseExtensions(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
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
    k6: required(env, 'K6_VERSION'),
    xk6: required(env, 'XK6_VERSION'),
    k6Extensions: parseExtensions(readFileSync(join(dir, 'k6', 'extensions.txt'), 'utf8')),
    toxiproxy: required(env, 'TOXIPROXY_VERSION'),
    jaeger: required(env, 'JAEGER_VERSION'),
    jaegerModule: required(env, 'JAEGER_MODULE_VERSION'),
    loki: required(env, 'LOKI_VERSION'),
    goMin: required(env, 'GO_MIN_VERSION'),
  };
}

/** The pinned versions of this checkout. */
export const TOOL_VERSIONS: ToolVersions = readToolVersions();
