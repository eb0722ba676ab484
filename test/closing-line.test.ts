/**
 * The summary line CI reads never hides a skipped part: skipped tests are counted, and compose
 * tests skipped for want of a Docker engine say so with how to get one. The end-to-end case runs
 * the real test runner on compose-real.test.ts with DOCKER_HOST naming a socket nothing serves,
 * the situation of a machine where no engine can be had (the lab never starts its own then).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, labDir } from '../lab/paths.ts';
import { composeSkipReason } from '../lab/test/lab-env.ts';
import { closingLine, failureLines, type VitestReport } from './closing-line.ts';

const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');

function runTests(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  // the runner under test is a vitest run of its own: none of this run's worker variables
  const clean = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('VITEST')));
  return new Promise((resolve) => {
    const child = spawn(NODE, [join(PROJECT_ROOT, 'test', 'run-tests.ts'), ...args], { cwd: PROJECT_ROOT, env: clean, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('the closing line', () => {
  it('is `N passed, N failed` when nothing was skipped, and counts skipped tests when some were', () => {
    expect(closingLine({ passed: 308, failed: 0, skipped: 0, composeSkipped: 0 }, null)).toBe('308 passed, 0 failed');
    expect(closingLine({ passed: 308, failed: 1, skipped: 2, composeSkipped: 0 }, null)).toBe('308 passed, 1 failed, 2 skipped');
    // skipped compose tests with no reason (a failing beforeAll leaves its tests skipped): counted, no excuse given
    expect(closingLine({ passed: 308, failed: 1, skipped: 3, composeSkipped: 3 }, null)).toBe('308 passed, 1 failed, 3 skipped');
    expect(closingLine({ passed: 308, failed: 0, skipped: 4, composeSkipped: 4 }, 'no Docker engine: start Docker')).toBe('308 passed, 0 failed, 4 skipped (compose: no Docker engine: start Docker)');
  });

  it('is preceded by a line per failure: a failed test with its error, a file broken outside its tests (a failing beforeAll) as the file', () => {
    const report: VitestReport = {
      numPassedTests: 1, numFailedTests: 1, numPendingTests: 1, numTodoTests: 0,
      testResults: [
        { name: '/repo/lab/a.test.ts', status: 'passed', assertionResults: [{ status: 'passed', fullName: 'a works' }] },
        { name: '/repo/lab/b.test.ts', status: 'failed', assertionResults: [{ status: 'failed', fullName: 'b merges', failureMessages: ['LabError: the engine failed: exit SIGXCPU\n    at load-engine.ts:265'] }] },
        { name: '/repo/lab/c.test.ts', status: 'failed', message: '\nkube-apiserver not ready within 60000 ms', assertionResults: [{ status: 'skipped', fullName: 'c scales' }] },
      ],
    };
    expect(failureLines(report, '/repo')).toEqual([
      'FAILED lab/b.test.ts > b merges: LabError: the engine failed: exit SIGXCPU',
      'FAILED lab/c.test.ts (the file itself): kube-apiserver not ready within 60000 ms',
    ]);
  });

  it('says why the control-plane tests were skipped, and only when they were', () => {
    const reason = 'kwok not built: run `make setup LAB_RUNTIME=kubernetes`';
    expect(closingLine({ passed: 10, failed: 0, skipped: 5, composeSkipped: 0, kubernetesSkipped: 5 }, null, reason)).toBe(`10 passed, 0 failed, 5 skipped (kubernetes: ${reason})`);
    expect(closingLine({ passed: 10, failed: 0, skipped: 0, composeSkipped: 0, kubernetesSkipped: 0 }, null, reason)).toBe('10 passed, 0 failed');
  });

  it('as root on Debian with DOCKER_HOST unset, the compose tests are never skipped; elsewhere the reason says how to get an engine', async () => {
    const env = { ...process.env };
    delete env.DOCKER_HOST;
    const rootOnDebian = process.getuid?.() === 0 && existsSync('/etc/debian_version');
    const reason = await composeSkipReason(env);
    if (rootOnDebian) expect(reason).toBeNull();
    else expect(reason ?? '').toMatch(/^no Docker engine: .*(start|install) Docker/);
  });

  it('as a user who may not start an engine, with none answering, the compose tests are skipped with how to get one', async () => {
    if (process.getuid?.() !== 0) return; // only root can become another user to try it
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'DOCKER_HOST' && !key.startsWith('VITEST')));
    const probe = `const m = await import(${JSON.stringify(join(PROJECT_ROOT, 'lab', 'test', 'lab-env.ts'))}); console.log(await m.composeSkipReason());`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('runuser', ['-u', 'nobody', '--', NODE, '--input-type=module', '-e', probe], { env, cwd: '/tmp' }, (error, out) => (error ? reject(error) : resolve(out)));
    });
    expect(stdout.trim()).toMatch(/^no Docker engine: none answers at \/var\/run\/docker.sock and only root may start the lab's own: start Docker or set DOCKER_HOST, or run make test as root on Debian/);
  });

  it("leaves nothing in the temporary directory: the tests' scratch directories are the run's own and go with it", async () => {
    // secrets.test.ts makes a lab dir under os.tmpdir() for each of its tests and removes none
    const outer = mkdtempSync(join(tmpdir(), 'faultline-outer-tmp-'));
    try {
      const env = { ...process.env, TMPDIR: outer, LAB_DIR: join(labDir(process.env), 'tests', 'closing-line-tmp') };
      const { code, stdout } = await runTests(['lab/test/secrets.test.ts'], env);
      expect(stdout.trim().split('\n').at(-1)).toMatch(/^[1-9]\d* passed, 0 failed$/);
      expect(code).toBe(0);
      expect(readdirSync(outer)).toEqual([]);
    } finally {
      rmSync(outer, { recursive: true, force: true });
    }
  }, 120_000);

  it('ends a run whose compose tests had no engine with `N passed, N failed, N skipped (compose: no Docker engine: <how>)`', async () => {
    const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock', LAB_DIR: join(labDir(process.env), 'tests', 'closing-line') };
    const { code, stdout } = await runTests(['lab/test/compose-real.test.ts'], env);
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('test: compose: the compose tests are skipped: no Docker engine: DOCKER_HOST=unix:///nonexistent/docker.sock answers nothing: start that engine, or unset DOCKER_HOST to let the lab start its own as root');
    // the engine-free tests of the file pass; its three engine tests are skipped, and the line says why
    expect(lines.at(-1)).toBe('2 passed, 0 failed, 3 skipped (compose: no Docker engine: DOCKER_HOST=unix:///nonexistent/docker.sock answers nothing: start that engine, or unset DOCKER_HOST to let the lab start its own as root)');
    expect(code).toBe(0);
  }, 300_000);
});
