/**
 * The builds a gate measures: this checkout, or another git ref checked out beside it under
 * .lab/gate/builds/<commit> (a detached worktree). The ref's node_modules is this checkout's,
 * linked, when both package-lock.json files are the same; otherwise `npm ci` installs its own.
 * A ref that does not exist or does not build is one LabError line (exit 2).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../errors/lab-error.ts';
import { labDir, PROJECT_ROOT } from '../paths.ts';

export interface Build {
  /** What the table calls it: "this checkout" or the ref as given. */
  label: string;
  root: string;
  commit: string | null;
}

function git(args: string[], cwd = PROJECT_ROOT): string | null {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function currentBuild(): Build {
  return { label: 'this checkout', root: PROJECT_ROOT, commit: git(['rev-parse', 'HEAD']) };
}

/** The ref's build, checked out and installed; `note` shows what takes time. */
export function refBuild(ref: string, env: NodeJS.ProcessEnv, note: (line: string) => void): Build {
  if (!/^[\w./@^~{}-]+$/.test(ref) || ref.startsWith('-')) throw new LabError('GATE_ERR_BAD_REF', `'${ref}' is not a git ref: name a branch, tag or commit, e.g. AGAINST=origin/main`);
  const commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!commit) throw new LabError('GATE_ERR_BAD_REF', `git ref '${ref}' does not exist here: fetch it first (git fetch origin main) or name another branch, tag or commit`);
  const root = join(labDir(env), 'gate', 'builds', commit.slice(0, 12));
  if (!existsSync(join(root, '.git'))) {
    note(`checking out ${ref} (${commit.slice(0, 12)}) in ${root}`);
    mkdirSync(join(labDir(env), 'gate', 'builds'), { recursive: true });
    git(['worktree', 'prune']);
    const added = spawnSync('git', ['worktree', 'add', '--detach', '--force', root, commit], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    if (added.status !== 0) throw new LabError('GATE_ERR_BUILD', `could not check out ${ref} into ${root}: ${added.stderr.trim().split('\n').at(-1)}`);
  }
  install(ref, root, note);
  const listed = spawnSync(join(root, 'node_modules', '.bin', 'node'), [join(root, 'lab', 'cli.ts'), '--help'], { cwd: root, encoding: 'utf8', env: { ...env } });
  if (listed.status !== 0) {
    const why = `${listed.stderr}${listed.stdout}`.trim().split('\n').find((l) => l.trim()) ?? `exit ${listed.status}`;
    throw new LabError('GATE_ERR_BUILD', `${ref} does not build: its lab/cli.ts fails to start (${why.slice(0, 200)}): fix that ref or compare with another`);
  }
  return { label: ref, root, commit };
}

function install(ref: string, root: string, note: (line: string) => void): void {
  const modules = join(root, 'node_modules');
  const tools = join(root, '.tools');
  if (!existsSync(tools) && existsSync(join(PROJECT_ROOT, '.tools'))) symlinkSync(join(PROJECT_ROOT, '.tools'), tools);
  if (existsSync(join(modules, '.bin', 'node'))) return;
  const lockOf = (dir: string) => (existsSync(join(dir, 'package-lock.json')) ? readFileSync(join(dir, 'package-lock.json'), 'utf8') : null);
  if (lockOf(root) !== null && lockOf(root) === lockOf(PROJECT_ROOT)) {
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), modules);
    return;
  }
  note(`${ref}: its package-lock.json differs, npm ci there`);
  try {
    execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').at(-1);
    throw new LabError('GATE_ERR_BUILD', `${ref} does not build: npm ci failed in ${root} (${stderr}): fix its package-lock.json or compare with another ref`);
  }
}
