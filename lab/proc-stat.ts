/**
 * Reads /proc/<pid>/stat (Linux): the stack names a process by pid and start time, the runner
 * and the benchmarks measure a process's CPU, the compose benchmark walks the process tree by
 * parent pid, tests watch a process's state. The command name (field 2)
 * may hold spaces and parentheses, so the fields are taken after the last ')'.
 */
import { readFileSync } from 'node:fs';

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
