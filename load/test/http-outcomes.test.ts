/** Network errors and statuses become k6's status, error_code, http_req_failed and tags. */
import { spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine, script, startServer, type TestServer } from './run-engine.ts';

let server: TestServer;
let slowServer: TestServer;
beforeAll(async () => { [server, slowServer] = await Promise.all([startServer(0), startServer(1_500)]); });
afterAll(async () => { await Promise.all([server.close(), slowServer.close()]); });

const once = { scenarios: { load: { executor: 'constant-arrival-rate', rate: 5, duration: '1s', preAllocatedVUs: 5 } } };

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('HTTP outcomes', () => {
  it('a refused connection is status 0 with error_code 1212, a failed request, tagged status "0"', async () => {
    const port = await closedPort();
    const body = `const res = await http.asyncRequest('GET', 'http://127.0.0.1:${port}/');
  check(res, {
    'status 0': (r) => r.status === 0,
    'error_code 1212': (r) => r.error_code === 1212,
    'error names it': (r) => r.error.includes('connection refused'),
  });`;
    const options = { ...once, thresholds: { 'http_reqs{status:0}': ['count==5'], 'http_reqs{error_code:1212}': ['count==5'] } };
    const run = await runEngine(script(options, body));
    expect(run.code).toBe(0);
    const m = run.summary!.metrics;
    expect(m.checks).toEqual({ passes: 15, fails: 0, value: 1 });
    expect(m.http_req_failed).toEqual({ passes: 5, fails: 0, value: 1 });
    expect(run.seconds.slice(1).reduce((n, s) => n + ((s.statuses as Record<string, number>)['0'] ?? 0), 0)).toBe(5);
  });

  it('a connection the peer never accepts is error_code 1211 after k6\'s 30 s dial timeout, before the request timeout', { timeout: 90_000 }, async () => {
    // a listener that stops accepting (SIGSTOP) and whose accept queue is full: Linux then drops
    // further SYNs, so a dial neither succeeds nor is refused, as with a peer that drops them
    const peer = spawn(process.execPath, ['-e', "const s = require('node:net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port));"], { stdio: ['ignore', 'pipe', 'inherit'] });
    const fillers: Socket[] = [];
    try {
      const port = await new Promise<number>((resolve) => peer.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      peer.kill('SIGSTOP');
      for (let i = 0; i < 4; i++) fillers.push(new Socket().connect(port, '127.0.0.1').on('error', () => {}));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const body = `const started = Date.now();
  const res = await http.asyncRequest('GET', 'http://127.0.0.1:${port}/', null, { timeout: '60s' });
  check(res, {
    'status 0': (r) => r.status === 0,
    'error_code 1211': (r) => r.error_code === 1211,
    'error names it': (r) => r.error.includes('i/o timeout'),
    'after the 30 s dial timeout (k6), not the 60 s request timeout': () => Date.now() - started >= 29500 && Date.now() - started < 45000,
  });`;
      const options = { scenarios: { load: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '80s' } } };
      const run = await runEngine(script(options, body));
      expect(run.code, run.stderr).toBe(0);
      expect(run.summary!.metrics.checks).toEqual({ passes: 4, fails: 0, value: 1 });
    } finally {
      for (const s of fillers) s.destroy();
      peer.kill('SIGKILL');
    }
  });

  it('a name with no address is status 0 with error_code 1101, and no lookup leaves the machine', async () => {
    // a 64-character label is not a domain name: the resolver refuses it without sending a query
    // (glibc's res_mkquery; k6's Go resolver answers "no such host" to it the same way)
    const host = `${'a'.repeat(64)}.invalid`;
    const body = `const res = await http.asyncRequest('GET', 'http://${host}/');
  check(res, {
    'status 0': (r) => r.status === 0,
    'error_code 1101': (r) => r.error_code === 1101,
    'error names it': (r) => r.error === 'lookup ${host}: no such host',
  });`;
    const run = await runEngine(script({ scenarios: { load: { executor: 'shared-iterations', vus: 1, iterations: 2 } } }, body));
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary!.metrics.checks).toEqual({ passes: 6, fails: 0, value: 1 });
    expect(run.summary!.metrics.http_req_failed).toEqual({ passes: 2, fails: 0, value: 1 });
  });

  it('judges http_req_failed by the response callback: default 200–399, expectedStatuses, or none', async () => {
    const body = `
  const missing = await http.asyncRequest('GET', url + '/status/404', null, { tags: { name: 'default' } });
  check(missing, { '404 has error_code 1404': (r) => r.error_code === 1404, 'canonical header': (r) => r.headers['X-Test'] === 'a' && r.headers['Content-Type'] === 'text/plain' });
  await http.asyncRequest('GET', url + '/status/404', null, { tags: { name: 'expected' }, responseCallback: http.expectedStatuses(404, { min: 200, max: 204 }) });
  await http.asyncRequest('GET', url + '/status/500', null, { tags: { name: 'unjudged' }, responseCallback: null });`;
    const options = {
      ...once,
      thresholds: {
        'http_req_failed{name:default}': ['rate==1'],
        'http_req_failed{name:expected}': ['rate==0'],
        'http_reqs{name:unjudged}': ['count==5'],
        'http_reqs{expected_response:false}': ['count==5'],
        'http_reqs{expected_response:true}': ['count==5'],
      },
    };
    const run = await runEngine(script(options, body), ['-e', `TARGET=${server.url}`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const m = run.summary!.metrics;
    expect(m.checks).toEqual({ passes: 10, fails: 0, value: 1 });
    expect(m.http_req_failed).toEqual({ passes: 5, fails: 5, value: 0.5 }); // the unjudged 500s are not in it
    expect(m.http_reqs!.count).toBe(15);
  });

  it('tags checks with their name and group, and counts them under the group in root_group', async () => {
    const body = `const res = await http.asyncRequest('GET', url + '/');
  group('reads', () => {
    check(res, { 'read ok': (r) => r.status === 200 });
    check(res, { 'never true': () => false });
  });`;
    const options = { ...once, thresholds: { 'checks{check:read ok}': ['rate==1'], 'checks{group:::reads}': ['rate==0.5'], 'group_duration{group:::reads}': ['max>=0'] } };
    const run = await runEngine(script(options, body), ['-e', `TARGET=${server.url}`]);
    expect(run.code).toBe(0);
    const groups = run.summary!.root_group.groups as Record<string, { path: string; checks: Record<string, { passes: number; fails: number }> }>;
    expect(groups.reads!.path).toBe('::reads');
    expect(groups.reads!.checks['read ok']).toMatchObject({ passes: 5, fails: 0 });
    expect(groups.reads!.checks['never true']).toMatchObject({ passes: 0, fails: 5 });
  });

  it('ends a request at its timeout with error_code 1050, each timeout on its own clock, and lets a faster answer through', async () => {
    const body = `
  const started = Date.now();
  const [short, long, fast] = await Promise.all([
    http.asyncRequest('GET', __ENV.SLOW + '/', null, { timeout: '300ms', tags: { name: 'short' } }),
    http.asyncRequest('GET', __ENV.SLOW + '/', null, { timeout: 700, tags: { name: 'long' } }),
    http.asyncRequest('GET', url + '/', null, { timeout: '300ms', tags: { name: 'fast' } }),
  ]);
  check(short, { 'short timed out': (r) => r.status === 0 && r.error_code === 1050 && r.error === 'request timeout' });
  check(long, { 'long timed out': (r) => r.status === 0 && r.error_code === 1050 });
  check(fast, { 'fast answered': (r) => r.status === 200 && r.error_code === 0 });
  check(null, { 'waited for the longer timeout only': () => Date.now() - started >= 650 && Date.now() - started < 1_400 });`;
    const options = {
      scenarios: { load: { executor: 'constant-arrival-rate', rate: 4, duration: '1s', preAllocatedVUs: 4 } },
      thresholds: {
        'http_req_duration{name:short}': ['min>=290', 'max<600'],
        'http_req_duration{name:long}': ['min>=690', 'max<1000'],
        'http_reqs{error_code:1050}': ['count==8'],
      },
    };
    const run = await runEngine(script(options, body), ['-e', `TARGET=${server.url}`, '-e', `SLOW=${slowServer.url}`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.summary!.metrics.checks).toEqual({ passes: 16, fails: 0, value: 1 });
  });

  it('decodes response headers as k6 shows them: canonical names, repeats joined, in JSON.stringify too', async () => {
    const body = `
  const res = await http.asyncRequest('GET', url + '/');
  const shown = JSON.parse(JSON.stringify(res));
  check(res, {
    'canonical': (r) => r.headers['X-Test'] === 'a' && r.headers['Content-Type'] === 'text/plain',
    'repeats joined': (r) => r.headers['X-Repeated'] === 'one, two',
    'stringified': () => shown.headers['X-Test'] === 'a' && shown.status === 200 && shown.request.method === 'GET',
  });`;
    const run = await runEngine(script(once, body), ['-e', `TARGET=${server.url}`]);
    expect(run.stderr).toBe('');
    expect(run.summary!.metrics.checks).toEqual({ passes: 15, fails: 0, value: 1 });
  });
});
