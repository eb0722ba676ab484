/**
 * Bad input gets one clear line, exit 2, and leaves nothing running or faulted: an unknown
 * scenario, a scenario that fails its schema, an unknown fault type or attribute, PromQL that
 * Prometheus rejects, and a k6 script that fails to start.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopStack } from '../../stack/index.ts';
import { baseScenario, runCli, scenarioFolder } from './fixtures.ts';
import { leftovers } from './leftovers.ts';

const results = mkdtempSync(join(tmpdir(), 'faultline-results-'));

function envWith(scenarios: string): NodeJS.ProcessEnv {
  return { ...process.env, FAULTLINE_SCENARIOS_DIR: scenarios, FAULTLINE_RESULTS_DIR: results };
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

afterAll(async () => {
  await stopStack(process.env);
});

describe('bad input before anything starts', () => {
  const dir = scenarioFolder({
    good: { scenario: baseScenario() },
    'bad-op': { scenario: { ...baseScenario(), hypotheses: [{ name: 'x', measure: { k6: 'http_reqs', stat: 'count' }, expect: { op: '=<', value: 1 } }] } },
    'no-title': { scenario: { ...baseScenario(), title: undefined } },
    'unknown-fault': { scenario: { ...baseScenario(), timeline: [{ at: 2, duration: 2, fault: 'latencyy', target: 'gateway-catalog-1' }] } },
    'bad-attribute': { scenario: { ...baseScenario(), timeline: [{ at: 2, duration: 2, fault: 'latency', target: 'gateway-catalog-1', attributes: { latency: -5 } }] } },
    'too-long-fault': { scenario: { ...baseScenario(), timeline: [{ at: 5, duration: 5, fault: 'latency', target: 'gateway-catalog-1', attributes: { latency: 5 } }] } },
    'syntax-error': { scenario: 'export default { title: ' },
  });
  const env = envWith(dir);

  it('an unknown scenario lists the known ones', async () => {
    const r = await runCli(['run', 'nope'], env);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/unknown scenario 'nope': known scenarios are bad-attribute, bad-op, good, no-title, syntax-error, too-long-fault, unknown-fault/);
  });

  it('a scenario failing its schema names the file, the field and what was expected', async () => {
    let r = await runCli(['run', 'no-title'], env);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/no-title\/scenario\.ts: field title: .*expected string/);
    r = await runCli(['run', 'bad-op'], env);
    expect(oneLine(r.stderr)).toMatch(/bad-op\/scenario\.ts: field hypotheses\[0\]\.expect\.op: .*expected one of/);
  });

  it('a scenario that does not load says so in one line', async () => {
    const r = await runCli(['run', 'syntax-error'], env);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/syntax-error\/scenario\.ts does not load: /);
  });

  it('an unknown fault type lists the known ones; a bad attribute names the fault and the field', async () => {
    let r = await runCli(['run', 'unknown-fault'], env);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/unknown fault type 'latencyy': use one of latency, bandwidth, slow_close/);
    r = await runCli(['run', 'bad-attribute'], env);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/bad-attribute\/scenario\.ts timeline\[0\]: fault latency has a bad attribute: field latency: .*>=0/);
  });

  it('a fault that outlasts the load is refused', async () => {
    const r = await runCli(['run', 'too-long-fault', '--profile', 'smoke'], env);
    expect(oneLine(r.stderr)).toMatch(/timeline\[0\]: the fault ends at 10 s, after the smoke load \(8 s\)/);
  });

  it('an unknown variant lists the variants', async () => {
    const r = await runCli(['run', 'good', '--variant', 'fast'], env);
    expect(oneLine(r.stderr)).toMatch(/good has no variant 'fast': its variants are only/);
  });

  it('list shows every scenario, the broken ones marked', async () => {
    const r = await runCli(['list'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^good\s+a fixture \(only\)$/m);
    expect(r.stdout).toMatch(/^bad-op\s+INVALID: /m);
  });

  it('none of it started anything', async () => {
    expect(await leftovers(process.env)).toEqual([]);
  });
});

describe('bad input found once the stack is up', () => {
  const dir = scenarioFolder({
    'bad-promql': { scenario: { ...baseScenario(), hypotheses: [{ name: 'broken query', measure: { promql: 'sum(rate(http_server_request_duration_seconds_count[$window])' }, expect: { op: '>', value: 0 } }] } },
    'bad-target': { scenario: { ...baseScenario(), timeline: [{ at: 2, duration: 2, fault: 'latency', target: 'gateway-catlog-1', attributes: { latency: 5 } }] } },
    'bad-k6': { scenario: baseScenario(), load: 'export default function () { this is not javascript }\n' },
  });
  const env = envWith(dir);

  it('PromQL that Prometheus rejects is one line quoting Prometheus, and nothing is left running', async () => {
    const r = await runCli(['run', 'bad-promql', '--profile', 'smoke'], env);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/hypothesis 'broken query' in .*bad-promql\/scenario\.ts: Prometheus rejected the PromQL \(.*\): sum\(rate/);
    expect(await leftovers(process.env)).toEqual([]);
  });

  it('a fault target that the topology does not have names the known ones', async () => {
    const r = await runCli(['run', 'bad-target', '--profile', 'smoke'], env);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/timeline\[0\]: field target: latency acts on a proxy, and 'gateway-catlog-1' is none of .*gateway-catalog-1/);
    expect(await leftovers(process.env)).toEqual([]);
  });

  it('a load script that fails to start is one line with the engine\'s reason, and nothing is left running', async () => {
    const r = await runCli(['run', 'bad-k6', '--profile', 'smoke'], env);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/the embedded load engine failed on .*bad-k6\/load\.ts after [\d.]+ s: .*(SyntaxError|Unexpected|expected)/i);
    expect(await leftovers(process.env)).toEqual([]);
  });
});
