/** Out-of-subset scripts fail at load (or first call) with one line and k6's exit code; failed thresholds exit 99 with the export's map. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine, script, startServer, type TestServer } from './run-engine.ts';

let server: TestServer;
beforeAll(async () => { server = await startServer(0); });
afterAll(async () => { await server.close(); });

const once = { scenarios: { load: { executor: 'constant-arrival-rate', rate: 2, duration: '1s', preAllocatedVUs: 2 } } };

/** The run's stderr is exactly one line holding every fragment. */
function oneLine(stderr: string, ...fragments: string[]): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  for (const fragment of fragments) expect(lines[0]).toContain(fragment);
}

describe('what the engine refuses', () => {
  it('synchronous http.get at its first call: one line naming it and the async form, exit 104', async () => {
    const run = await runEngine(script(once, `http.get(url);`), ['-e', `TARGET=${server.url}`]);
    expect(run.code).toBe(104);
    oneLine(run.stderr, 'http.get()', "await http.asyncRequest('GET'");
  });

  it('a sleep() nothing awaits: one line naming its file and line, exit 104; awaited ones (await, Promise.all) pass', async () => {
    const unawaited = await runEngine(script(once, `await sleep(0.01);\n  await Promise.all([sleep(0.01)]);\n  sleep(0.3);`, "import { sleep } from 'k6';"));
    expect(unawaited.code).toBe(104);
    oneLine(unawaited.stderr, 'sleep(0.3) at file://', 'script.ts:9:', 'is not awaited', 'await sleep(0.3)');
    const awaited = await runEngine(script(once, `await sleep(0.01);\n  await Promise.all([sleep(0.01)]);\n  await sleep(0.01).then(() => {});`, "import { sleep } from 'k6';"));
    expect(awaited.stderr).toBe('');
    expect(awaited.code).toBe(0);
  });

  it('k6/ws at load time, exit 104', async () => {
    const run = await runEngine(`import ws from 'k6/ws';\n${script(once, '')}`);
    expect(run.code).toBe(104);
    oneLine(run.stderr, 'k6/ws', 'k6/http');
    expect(run.summary).toBeUndefined();
  });

  it('a k6 export the engine lacks at load time, exit 104', async () => {
    const run = await runEngine(`import { randomSeed } from 'k6';\n${script(once, '')}`);
    expect(run.code).toBe(104);
    oneLine(run.stderr, 'k6.randomSeed');
  });

  it('externally-controlled, a shortcut beside scenarios (as k6), an unknown scenario key and an unknown option, exit 104', async () => {
    const closed = await runEngine(script({ scenarios: { load: { executor: 'externally-controlled', vus: 1, duration: '1s' } } }, ''));
    expect(closed.code).toBe(104);
    oneLine(closed.stderr, 'externally-controlled', 'constant-vus');
    const both = await runEngine(script({ ...once, duration: '1s' }, ''));
    expect(both.code).toBe(104);
    oneLine(both.stderr, 'using an execution configuration shortcut (`duration`) and `scenarios` simultaneously is not allowed');
    const key = await runEngine(script({ scenarios: { load: { ...once.scenarios.load, rampUp: '1s' } } }, ''));
    expect(key.code).toBe(104);
    oneLine(key.stderr, 'options.scenarios.load.rampUp');
    const option = await runEngine(script({ ...once, rps: 10 }, ''));
    expect(option.code).toBe(104);
    oneLine(option.stderr, 'options.rps');
  });

  it('a script exception in the init context, exit 107', async () => {
    const run = await runEngine(`throw new Error('boom');\n${script(once, '')}`);
    expect(run.code).toBe(107);
    oneLine(run.stderr, 'boom');
  });
});

describe('thresholds', () => {
  it('a failed threshold exits 99 and is true in the export, a held one false', async () => {
    const options = { ...once, thresholds: { http_req_duration: ['p(95)<0.0001', 'max<60000'], http_reqs: ['count>=2'] } };
    const run = await runEngine(script(options, `await http.asyncRequest('GET', url + '/');`), ['-e', `TARGET=${server.url}`]);
    expect(run.code).toBe(99);
    const m = run.summary!.metrics;
    expect(m.http_req_duration!.thresholds).toEqual({ 'p(95)<0.0001': true, 'max<60000': false });
    expect(m.http_reqs!.thresholds).toEqual({ 'count>=2': false });
  });

  it('abortOnFail stops the test early, still writes the summary, exits 99', async () => {
    const options = {
      scenarios: { load: { executor: 'constant-arrival-rate', rate: 5, duration: '60s', preAllocatedVUs: 5 } },
      thresholds: { http_req_failed: [{ threshold: 'rate==0', abortOnFail: true }] },
    };
    const run = await runEngine(script(options, `await http.asyncRequest('GET', url + '/status/503');`), ['-e', `TARGET=${server.url}`]);
    expect(run.code).toBe(99);
    expect(run.stderr).toContain('abortOnFail');
    expect(run.summary!.metrics.iterations!.count).toBeLessThan(60);
    expect(run.summary!.metrics.http_req_failed!.thresholds).toEqual({ 'rate==0': true });
  });
});
