/**
 * Checks, before anything starts, that every port the stack will listen on is free, and names
 * the process holding a taken one (from /proc/net/tcp and the socket inodes under /proc/<pid>/fd).
 */
import { createServer } from 'node:net';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { LabError } from '../../errors/lab-error.ts';

export interface PortClaim {
  port: number;
  /** Who will listen there: a component (`redis`) or an app endpoint (`catalog-1 admin`). */
  owner: string;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Socket inodes listening on the port, over IPv4 and IPv6. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st ... inode(9)
      if (cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`) && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 120);
  } catch {
    return '?';
  }
}

/** "pid 123 (redis-server --port 16379)", or a hint when the holder cannot be seen (another user's process, a container). */
export function describeHolder(port: number): string {
  const inodes = listeningInodes(port);
  if (inodes.size > 0) {
    for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
          if (inode && inodes.has(inode)) return `pid ${pid} (${commandLine(pid)})`;
        } catch {
          // fd closed meanwhile
        }
      }
    }
  }
  return 'a process this user cannot see';
}

/** Throws one LabError naming the first taken port, its would-be owner and its holder. */
export async function assertPortsFree(claims: PortClaim[]): Promise<void> {
  const seen = new Map<number, string>();
  for (const claim of claims) {
    const other = seen.get(claim.port);
    if (other) throw new LabError('LAB_ERR_PORT_MAP', `port ${claim.port} is assigned to both ${other} and ${claim.owner}: fix the LAB_PORT_* overrides`);
    seen.set(claim.port, claim.owner);
  }
  const free = await Promise.all(claims.map((c) => canBind(c.port)));
  const taken = claims.find((_, i) => !free[i]);
  if (taken) {
    throw new LabError(
      'LAB_ERR_PORT_TAKEN',
      `port ${taken.port} (${taken.owner}) is already in use by ${describeHolder(taken.port)}: stop that process, or shift the lab's ports with LAB_PORT_OFFSET`,
    );
  }
}
