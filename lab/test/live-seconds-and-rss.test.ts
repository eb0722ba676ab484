/**
 * What the soak benchmark reads while its engine runs: the per-second file as it grows (a line
 * being written is left for the next read, seconds already judged are skipped), and the resident
 * memory of a process and of its children, as RSS and as proportional memory (PSS).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLoadSeconds } from '../load-seconds/read.ts';
import { parentPids, procPssKiB, procRssKiB, treePssKiB, treeRssKiB } from '../proc-stat.ts';
import { SecondsFile } from '../../load/metrics/seconds-file.ts';
import type { RequestSample } from '../../load/metrics/sample.ts';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-live-seconds-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const T0 = 1_700_000_000_000;
const request = (time: number): RequestSample => ({
  tags: { status: '200' },
  time,
  timings: { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 5, receiving: 0, duration: 5 },
  failed: false,
  bytesSent: 0,
  bytesReceived: 0,
  fromDueMs: 5,
});

describe('reading a per-second file the engine is still writing', () => {
  const path = join(scratch, 'live.ndjson');
  const file = new SecondsFile(path, T0, {});
  for (let s = 0; s < 4; s++) for (let i = 0; i < 10; i++) file.addRequest(request(T0 + s * 1000 + i));
  file.flush(T0 + 4000, true);
  // the engine's next line, caught half written
  appendFileSync(path, '{"t":1700000004,"planned":10,"start');

  it('leaves a line without its newline for the next read, where a finished file would be cut short', () => {
    expect(() => readLoadSeconds(path)).toThrow(/cut short/);
    expect(readLoadSeconds(path, { growing: true }).seconds.map((s) => s.t)).toEqual([1_700_000_000, 1_700_000_001, 1_700_000_002, 1_700_000_003]);
  });

  it('decodes only the seconds from `since` on', () => {
    const later = readLoadSeconds(path, { growing: true, since: 1_700_000_002 });
    expect(later.seconds.map((s) => s.t)).toEqual([1_700_000_002, 1_700_000_003]);
    expect(later.seconds[0]!.latency.totalCount).toBe(10);
  });
});

describe('resident memory from /proc', () => {
  it('a process has some, a gone one none, and a tree counts its children too', async () => {
    const own = procRssKiB(process.pid)!;
    expect(own).toBeGreaterThan(10 * 1024);
    const child = spawn(process.execPath, ['-e', 'const keep = Buffer.alloc(64 * 1024 * 1024, 1); setTimeout(() => keep, 30_000)'], { stdio: 'ignore' });
    try {
      // the child touches 64 MiB: wait until it is resident
      const deadline = Date.now() + 10_000;
      while ((procRssKiB(child.pid!) ?? 0) < 64 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const childKiB = procRssKiB(child.pid!)!;
      expect(childKiB).toBeGreaterThan(64 * 1024);
      expect(treeRssKiB(process.pid) - procRssKiB(process.pid)!).toBeGreaterThan(childKiB * 0.9);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(procRssKiB(child.pid!)).toBeUndefined();
  });

  it("a forked child's pages shared with its parent count twice as RSS and once as PSS", async () => {
    // perl (Essential on Debian) touches 64 MiB, then forks: the child shares every page copy-on-write
    const parent = spawn('perl', ['-e', '$x = "a" x (64 << 20); $| = 1; if (fork()) { print "forked\\n"; sleep 30 } else { sleep 30 }'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    try {
      await once(parent.stdout!, 'data');
      const deadline = Date.now() + 10_000;
      let tree = parentPids();
      while ([...tree.values()].filter((p) => p === parent.pid).length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        tree = parentPids();
      }
      const rss = treeRssKiB(parent.pid!, tree);
      const pss = treePssKiB(parent.pid!, tree);
      expect(procPssKiB(parent.pid!)).toBeGreaterThan(0);
      expect(rss).toBeGreaterThan(2 * 64 * 1024);
      expect(pss).toBeGreaterThan(64 * 1024);
      expect(pss).toBeLessThan(0.7 * rss);
    } finally {
      process.kill(-parent.pid!, 'SIGKILL');
    }
  });
});
