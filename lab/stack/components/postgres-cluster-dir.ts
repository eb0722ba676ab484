/**
 * Where the lab's PostgreSQL cluster lives. PostgreSQL will not run as root, so when the lab runs
 * as root the cluster belongs to the `postgres` system user, which must be able to reach it.
 * Normally that is .lab/postgres; when the `postgres` user cannot enter the lab dir (a 0700 lab
 * dir, a checkout under /root), the cluster moves to a directory made for it by mkdtemp under
 * /var/tmp: owned by root, group `postgres`, mode 0710, so no other user can plant a file or a
 * symlink in it. Its path is remembered in the lab dir and checked with lstat on every start: a
 * path that is no longer such a directory (replaced, a symlink, writable by others) is abandoned
 * for a new one, never followed.
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LabError } from '../../../errors/lab-error.ts';
import { writePrivateFile } from '../../secrets.ts';
import type { StackContext } from '../context.ts';

export interface ClusterOwner {
  uid: number;
  gid: number;
}

/** The `postgres` system user when the lab runs as root; undefined otherwise (the lab's own user owns the cluster). */
export function clusterOwner(): ClusterOwner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new LabError('LAB_ERR_MISSING_BINARY', 'the lab runs as root but there is no `postgres` user to own the cluster: run `make setup` (installs postgresql)');
  return { uid: Number(uid), gid: Number(gid) };
}

/** True when every folder down to dir lets other users through (the `postgres` user is neither root nor in its group). */
function reachableByOthers(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/** Where root's private cluster directories are made (LAB_POSTGRES_ROOT_PARENT, default /var/tmp). */
function privateParent(ctx: StackContext): string {
  return ctx.env.LAB_POSTGRES_ROOT_PARENT ?? '/var/tmp';
}

const recordPath = (ctx: StackContext): string => join(ctx.dir, 'postgres-cluster-dir');

/** A directory only root can write in, that the cluster owner's group may only enter: checked without following a link. */
function isPrivate(path: string, parent: string, owner: ClusterOwner): boolean {
  if (dirname(path) !== parent) return false;
  try {
    const stat = lstatSync(path);
    return stat.isDirectory() && stat.uid === 0 && stat.gid === owner.gid && (stat.mode & 0o7777) === 0o710;
  } catch {
    return false;
  }
}

function recorded(ctx: StackContext): string | undefined {
  try {
    return readFileSync(recordPath(ctx), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Root's private directory for this lab's cluster: the recorded one if it is still private, else a new one. */
function privateBase(ctx: StackContext, owner: ClusterOwner): string {
  const parent = privateParent(ctx);
  const known = recorded(ctx);
  if (known && isPrivate(known, parent, owner)) return known;
  const base = mkdtempSync(join(parent, 'faultline-postgres-')); // 0700, root's, a name nobody could guess
  lchownSync(base, 0, owner.gid);
  chmodSync(base, 0o710);
  writePrivateFile(recordPath(ctx), `${base}\n`);
  return base;
}

/**
 * The cluster's folders: `base` (written only by the lab: the init marker lives here) and
 * `cluster` (the owner's: the data dir inside it).
 */
export interface ClusterDirs {
  base: string;
  cluster: string;
  data: string;
  marker: string;
}

export function clusterDirs(ctx: StackContext, owner: ClusterOwner | undefined): ClusterDirs {
  mkdirSync(ctx.dir, { recursive: true, mode: 0o700 });
  const base = !owner || reachableByOthers(ctx.dir) ? join(ctx.dir, 'postgres') : privateBase(ctx, owner);
  const cluster = join(base, 'cluster');
  return { base, cluster, data: join(cluster, 'data'), marker: join(base, 'initdb.done') };
}

/** An empty cluster folder owned by the cluster's owner (whatever was there, a link included, is removed, not followed). */
export function recreateClusterDir(dirs: ClusterDirs, owner: ClusterOwner | undefined): void {
  mkdirSync(dirs.base, { recursive: true, mode: 0o700 });
  if (!lstatSync(dirs.base).isDirectory()) throw new LabError('LAB_ERR_STATE_CORRUPT', `postgres: ${dirs.base} is not a directory: remove it and start again`);
  if (owner) {
    // an earlier layout gave the whole folder to the cluster owner: the lab's marker must be root's alone
    lchownSync(dirs.base, 0, owner.gid);
    chmodSync(dirs.base, 0o710);
  }
  rmSync(join(dirs.base, 'data'), { recursive: true, force: true }); // an earlier layout's data dir
  rmSync(dirs.cluster, { recursive: true, force: true });
  mkdirSync(dirs.cluster, { mode: 0o700 });
  if (owner) lchownSync(dirs.cluster, owner.uid, owner.gid);
}
