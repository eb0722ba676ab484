/**
 * Reads /proc/<pid>/stat (Linux): the stack names a process by pid and start time, the runner
 * and the benchmarks measure a process's CPU, the compose benchmark walks the process tree by
 * parent pid, tests watch a process's state. Resident memory comes from /proc/<pid>/status
 * (VmRSS, in KiB: no page size to assume), for the compose and soak benchmarks. The command name (field 2)
 * may hold spaces and parentheses, so the fields are taken after the last ')'.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of the stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The fields after the command name: [0] is field 3 (state), [1] ppid, [11]/[12] utime/stime, [19] starttime; undefined when the process is gone. */
export function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
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

/** Every live process's parent, by pid: to sum a process tree (postgres and its backends). */
export function parentPids(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const parent = procParentPid(Number(entry));
    if (parent !== undefined) map.set(Number(entry), parent);
  }
  return map;
}

/** Resident memory of a process and all its descendants, in KiB (a process gone meanwhile counts 0). */
export function treeRssKiB(root: number, parents: Map<number, number> = parentPids()): number {
  let total = 0;
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    total += procRssKiB(pid) ?? 0;
    for (const [child, parent] of parents) if (parent === pid) pending.push(child);
  }
  return total;
}
