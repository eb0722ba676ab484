/**
 * Watches what other work used of the machine while a run's load was on: the machine's busy time
 * (/proc/stat) minus what the lab's own processes used (/proc/<pid>/stat, sampled once a second).
 * The engine runs at real-time priority and keeps its schedule beside other work, but the app's
 * services and datastores do not: a compiler or a test beside the run takes their cores, and
 * their latencies then describe the machine, not the app (a protected cache-stampede's p99 during
 * the faults went from 0.08-0.15 s to 0.59-0.61 s with a burst of short processes beside it).
 *
 * The lab's processes are the runner with its ancestors and descendants (the engine, the test that
 * ran it), the processes of the lab's pid files with their descendants (the native stack), and the
 * Docker daemons with theirs (the compose stack's containers hang under containerd's shims).
 * A process's CPU counts with that of its children it has reaped (cutime and cstime), less what
 * was already counted of a child seen alive: the compose stack's health checks and a compiler's
 * short-lived workers live and die between two samples, and count to their parent's side. Only
 * what orphans and the kernel use outside any process is nobody's: it counts as other work.
 *
 * Hand-written: pidusage and its kind read one process's CPU; none sums a machine by owner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { procParentPid, procStat } from '../proc-stat.ts';

/** Other work that used this many cores on average while the load ran, or more, makes the run inconclusive. */
export const OTHER_WORK_CORES = 0.3;
/** Daemons (command names, as /proc shows them: at most 15 characters) whose process trees are the lab's. */
const LAB_DAEMONS = new Set(['dockerd', 'containerd', 'containerd-shim']);
/** Clock ticks per second of the stat times (USER_HZ). */
const TICKS_PER_SECOND = 100;

export interface MachineLoadReport {
  /** Seconds watched. */
  seconds: number;
  /** Cores the whole machine used on average (busy time of /proc/stat). */
  machineCores: number;
  /** Of those, the lab's processes. */
  labCores: number;
  /** The rest: other work. */
  otherCores: number;
  /** The busiest commands of other work that lived through a sample, with their cores (at most 3). */
  busiestOther: { command: string; cores: number }[];
}

interface Process {
  pid: number;
  parent: number;
  command: string;
  /** utime + stime + cutime + cstime: its own CPU and that of the children it reaped. */
  ticks: number;
}

/** Busy ticks of the whole machine: user, nice, system, irq, softirq, steal (guest time is inside user). */
function machineTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

/** Every live process by "pid start" (a pid reused is another process). */
function processes(): Map<string, Process> {
  const out = new Map<string, Process>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = procStat(pid);
    if (!stat) continue;
    const f = stat.fields;
    out.set(`${pid} ${f[19]}`, { pid, parent: Number(f[1]), command: stat.command, ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
  }
  return out;
}

/** The runner's ancestors up to init: the test or make that started it is the lab's too. */
function ancestors(pid: number): number[] {
  const out: number[] = [];
  for (let parent = procParentPid(pid) ?? 0; parent > 1 && out.length < 64; parent = procParentPid(parent) ?? 0) out.push(parent);
  return out;
}

export class MachineLoadWatch {
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = performance.now();
  private readonly firstMachine: number;
  private lastMachine: number;
  private seen: Map<string, Process>;
  private labTicks = 0;
  private readonly otherByCommand = new Map<string, number>();
  private readonly roots: () => number[];

  /** roots: the pids whose process trees are the lab's (read at every sample: the stack may change). */
  constructor(roots: () => number[]) {
    this.roots = () => [process.pid, ...ancestors(process.pid), ...roots()];
    this.firstMachine = machineTicks();
    this.lastMachine = this.firstMachine;
    this.seen = processes();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  private sample(): void {
    const now = processes();
    this.lastMachine = machineTicks();
    const children = new Map<number, number[]>();
    for (const p of now.values()) {
      const siblings = children.get(p.parent);
      if (siblings) siblings.push(p.pid);
      else children.set(p.parent, [p.pid]);
    }
    const lab = new Set<number>();
    const pending = [...this.roots(), ...[...now.values()].filter((p) => LAB_DAEMONS.has(p.command)).map((p) => p.pid)];
    while (pending.length > 0) {
      const pid = pending.pop()!;
      if (lab.has(pid)) continue;
      lab.add(pid);
      pending.push(...(children.get(pid) ?? []));
    }
    // a child that ended since: its parent's reaped time now holds all of it, of which what the
    // child had used by the last sample was counted already
    const counted = new Map<number, number>();
    for (const [key, p] of this.seen) if (!now.has(key)) counted.set(p.parent, (counted.get(p.parent) ?? 0) + p.ticks);
    for (const [key, p] of now) {
      // a process born since the last sample used all its ticks since then
      const used = Math.max(0, p.ticks - (this.seen.get(key)?.ticks ?? 0) - (counted.get(p.pid) ?? 0));
      if (lab.has(p.pid)) this.labTicks += used;
      else this.otherByCommand.set(p.command, (this.otherByCommand.get(p.command) ?? 0) + used);
    }
    this.seen = now;
  }

  stop(): MachineLoadReport {
    this.sample();
    clearInterval(this.timer);
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cores = (ticks: number) => (seconds > 0 ? round(ticks / TICKS_PER_SECOND / seconds) : 0);
    const machine = this.lastMachine - this.firstMachine;
    const busiestOther = [...this.otherByCommand]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .filter(([, ticks]) => ticks > 0)
      .map(([command, ticks]) => ({ command, cores: cores(ticks) }));
    return {
      seconds: round(seconds),
      machineCores: Math.min(cores(machine), cpus().length),
      labCores: cores(this.labTicks),
      otherCores: cores(Math.max(0, machine - this.labTicks)),
      busiestOther,
    };
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
