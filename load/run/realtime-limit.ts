/**
 * What the engine does at its real-time CPU limit. A runner may make the engine a real-time task
 * with RLIMIT_RTTIME as its runaway bound (lab/runner/load-engine.ts does): past the soft limit
 * the kernel sends SIGXCPU, whose default action ends the process with its summary unwritten.
 * An engine whose event loop is busy but alive (a saturated run, a VU spinning in its script)
 * handles the signal: it leaves real-time scheduling for the normal policy (util-linux's chrt,
 * the tool that made it real-time), says so once, and runs on. A runaway main thread never gets
 * to the handler and meets the hard limit's SIGKILL instead, so the bound still holds.
 */
import { spawnSync } from 'node:child_process';

export function leaveRealtimeAtLimit(say: (line: string) => void): void {
  let left = false;
  process.on('SIGXCPU', () => {
    if (left) return;
    left = true;
    const demoted = spawnSync('chrt', ['--other', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore' }).status === 0;
    say(demoted
      ? 'WARN real-time CPU limit reached (SIGXCPU): the engine left real-time scheduling and runs on at normal priority'
      : 'WARN real-time CPU limit reached (SIGXCPU), and leaving real-time scheduling failed (chrt): the hard limit may end the engine');
  });
}
