/**
 * The local Kubernetes control plane the kube-*.test.ts files run against, built before `make
 * test` runs them where it can be (Go on PATH and root, as on CI: the build is long, so a user's
 * `make test` does not start it unasked; `make setup LAB_RUNTIME=kubernetes` does). Returns why
 * those tests will be skipped, or null when they can run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { controlPlaneMissing } from '../lab/kubernetes/control-plane.ts';
import { PROJECT_ROOT } from '../lab/paths.ts';

export async function prepareKubernetes(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (controlPlaneMissing() === null) return null;
  const goRuns = spawnSync('go', ['env', 'GOVERSION'], { env }).status === 0;
  if (process.getuid?.() === 0 && goRuns) {
    process.stdout.write('test: kubernetes: building the local control plane (tools/build.sh kubernetes)\n');
    spawnSync(join(PROJECT_ROOT, 'tools', 'build.sh'), ['kubernetes'], { cwd: PROJECT_ROOT, env, stdio: 'inherit' });
  }
  const reason = controlPlaneMissing();
  if (reason !== null) process.stdout.write(`test: kubernetes: the control-plane tests are skipped: ${reason}\n`);
  return reason;
}
