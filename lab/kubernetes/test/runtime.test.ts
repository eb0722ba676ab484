/**
 * LAB_RUNTIME=kubernetes with a context that does not answer: the run stops at once with one line
 * naming the context, the kubeconfig and the fix, through the same startStack every run uses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startStack } from '../../stack/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-kube-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('LAB_RUNTIME=kubernetes against a context nothing answers for: one line with the context and the fix', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  // port 9 (discard) on loopback: nothing listens there
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{ name: gone, cluster: { server: "https://127.0.0.1:9" } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: gone, context: { cluster: gone, user: u } }]\ncurrent-context: gone\n');
  const env = { ...process.env, LAB_RUNTIME: 'kubernetes', KUBECONFIG: kubeconfig, LAB_DIR: join(dir, 'lab') };
  const error = await startStack({ env }).then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(error?.code).toBe('LAB_ERR_KUBE_UNREACHABLE');
  expect(error?.message).toMatch(new RegExp(`^LAB_RUNTIME=kubernetes: the kube context 'gone' \\(KUBECONFIG=${kubeconfig}\\) does not answer \\(.+\\): point KUBECONFIG at a reachable cluster, or unset LAB_RUNTIME$`));
  expect(error?.message).not.toContain('\n');
});
