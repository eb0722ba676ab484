/**
 * Reads /proc/<pid>/stat (Linux): the stack names a process by pid and start time, the runner
 * and the benchmarks measure a process's CPU, the compose benchmark walks the process tree by
 * parent pid, tests watch a process's state. Resident memory comes from /proc/<pid>/status
 * (VmRSS, in KiB: no page size to assume), for the compose benchmark; proportional resident
 * memory (Pss in /proc/<pid>/smaps_rollup: a page shared by n processes counts 1/n to each) for
 * the soak, whose trees fork children that share their parent's pages (Redis's rewrite of its
 * append-only file, PostgreSQL's backends and shared buffers): summed as RSS, those count twice. The command name (field 2)
 * may hold spaces and parentheses, so the fields are taken after the last ')'.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of the stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The command name (field 2) and the fields after it, from one read; undefined when the process is gone. */
export function procStat(pid: number): { command: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** The fields after the command name: [0] is field 3 (state), [1] ppid, [11]/[12] utime/stime, [13]/[14] cutime/cstime, [19] starttime; undefined when the process is gone. */
export function procStatFields(pid: number): string[] | undefined {
  return procStat(pid)?.fields;
}

/** R, S, D, T (stopped), Z ... or undefined when the process is gone. */
export function procState(pid: number): string | undefined {
  return procStatFields(pid)?.[0];
}

/** The parent's pid, or undefined when the process is gone. */
export function procParentPid(pid: number): number | undefined {
  const fields = procStatFields(pid);
  return fields ? Number(fields[1]) : undefined;
}

/** CPU time (user + system) the process has used, in seconds. */
export function procCpuSeconds(pid: number): number | undefined {
  const fields = procStatFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND : undefined;
}

/** Kernel start time (field 22): with the pid, it names one process forever. */
export function procStartTime(pid: number): string | undefined {
  return procStatFields(pid)?.[19];
}

/** Resident memory of the process (VmRSS), in KiB; undefined when the process is gone. */
export function procRssKiB(pid: number): number | undefined {
  try {
    const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? 0 : Number(kib); // a zombie has no VmRSS line: nothing resident
  } catch {
    return undefined;
  }
}

/** Proportional resident memory of the process (Pss), in KiB; undefined when the process is gone. */
export function procPssKiB(pid: number): number | undefined {
  try {
    const kib = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return kib === undefined ? 0 : Number(kib); // a zombie maps nothing
  } catch {
    return undefined;
  }
}

/** Every live process's parent, by pid: to sum a process tree (postgres and its backends). */
export function parentPids(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const parent = procParentPid(Number(entry));
    if (parent !== undefined) map.set(Number(entry), parent);
  }
  return map;
}

/** `read` summed over a process and all its descendants, in KiB (a process gone meanwhile counts 0). */
function treeKiB(read: (pid: number) => number | undefined, root: number, parents: Map<number, number>): number {
  let total = 0;
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    total += read(pid) ?? 0;
    for (const [child, parent] of parents) if (parent === pid) pending.push(child);
  }
  return total;
}

/** Resident memory of a process and all its descendants, in KiB (pages they share count once per process). */
export const treeRssKiB = (root: number, parents: Map<number, number> = parentPids()): number => treeKiB(procRssKiB, root, parents);

/** Proportional resident memory of a process and all its descendants, in KiB (pages they share count once in all). */
export const treePssKiB = (root: number, parents: Map<number, number> = parentPids()): number => treeKiB(procPssKiB, root, parents);
