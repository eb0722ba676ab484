import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LabError } from '../../errors/lab-error.ts';
import { TOOLS_BIN, labDir, labLogsDir, PROJECT_ROOT } from '../paths.ts';
import { resolvePorts, PortMapError, type PortMap } from '../ports.ts';

/** Everything a component needs to know about the lab it runs in, resolved once from the environment. */
export interface StackContext {
  readonly env: NodeJS.ProcessEnv;
  readonly ports: PortMap;
  /** Root of the lab's state (LAB_DIR, default .lab/). */
  readonly dir: string;
  readonly logsDir: string;
  /** Pid files and the stack's state file. */
  readonly runDir: string;
  /** The built Go tools (FAULTLINE_TOOLS_BIN, default .tools/bin). */
  readonly toolsBin: string;
}

export function stackContext(env: NodeJS.ProcessEnv = process.env): StackContext {
  let ports: PortMap;
  try {
    ports = resolvePorts(env);
  } catch (error) {
    if (error instanceof PortMapError) throw new LabError(error.code, error.message);
    throw error;
  }
  const dir = labDir(env);
  return { env, ports, dir, logsDir: labLogsDir(env), runDir: join(dir, 'run'), toolsBin: env.FAULTLINE_TOOLS_BIN ?? TOOLS_BIN };
}

/** The pinned Node 24 every app service runs on. */
export const NODE_BIN = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');

const SETUP_FIX = 'run `make setup` to install it';

/** A Go tool built by tools/build.sh into .tools/bin (or FAULTLINE_TOOLS_BIN). */
export function toolBinary(ctx: StackContext, name: string): string {
  const path = join(ctx.toolsBin, name);
  if (!existsSync(path)) throw new LabError('LAB_ERR_MISSING_BINARY', `${name} is missing (looked in ${ctx.toolsBin}): ${SETUP_FIX}`);
  return path;
}

/** A program from a Debian package, found on PATH. */
export function systemBinary(ctx: StackContext, name: string, debianPackage: string): string {
  for (const dir of (ctx.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const path = join(dir, name);
    if (dir && existsSync(path)) return path;
  }
  throw new LabError('LAB_ERR_MISSING_BINARY', `${name} is missing (not on PATH; Debian package ${debianPackage}): ${SETUP_FIX}`);
}

/** PostgreSQL's server programs live outside PATH on Debian: the newest /usr/lib/postgresql/<v>/bin, or LAB_POSTGRES_BIN. */
export function postgresBinary(ctx: StackContext, name: 'postgres' | 'initdb'): string {
  const root = '/usr/lib/postgresql';
  const candidates = ctx.env.LAB_POSTGRES_BIN
    ? [ctx.env.LAB_POSTGRES_BIN]
    : existsSync(root)
      ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)).map((v) => join(root, v, 'bin'))
      : [];
  for (const dir of candidates) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new LabError('LAB_ERR_MISSING_BINARY', `PostgreSQL's ${name} is missing (looked in ${candidates.join(', ') || root}; Debian package postgresql): ${SETUP_FIX}`);
}
