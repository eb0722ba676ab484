/**
 * Ctrl-C in the middle of a fault: every fault is reverted (no toxic left, the frozen instance
 * resumed), and nothing is left running. With --keep the stack stays up to be inspected.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { resolvePorts } from '../../ports.ts';
import { attachStack, stopStack } from '../../stack/index.ts';
import { ToxiproxyClient } from '../../../chaos/toxiproxy.ts';
import { baseScenario, runCommand, scenarioFolder } from './fixtures.ts';
import { leftovers } from './leftovers.ts';
import { procState } from '../../proc-stat.ts';

const faulty = {
  ...baseScenario(),
  profiles: { smoke: { duration: 30, warmup: 1, settle: 1 }, full: { duration: 30, warmup: 1, settle: 1 } },
  timeline: [
    { at: 1, duration: 25, fault: 'latency', target: 'gateway-catalog-1', attributes: { latency: 50 } },
    { at: 1, duration: 25, fault: 'process_stop', target: 'pricing' },
  ],
};
const dir = scenarioFolder({ faulty: { scenario: faulty } });
const env = { ...process.env, FAULTLINE_SCENARIOS_DIR: dir, FAULTLINE_RESULTS_DIR: mkdtempSync(join(tmpdir(), 'faultline-results-')) };

function processState(pid: number): string | undefined {
  return procState(pid);
}

afterAll(async () => {
  await stopStack(process.env);
});

/** Runs `make scenario` and sends SIGINT to its process group once both faults are on. */
function interruptMidFault(keep: boolean) {
  let sent = false;
  return runCommand('make', ['--no-print-directory', 'scenario', 'NAME=faulty', 'PROFILE=smoke', ...(keep ? ['KEEP=1'] : [])], env, 120_000, (out, kill) => {
    if (!sent && (out.match(/applied /g) ?? []).length >= 2) {
      sent = true;
      setTimeout(() => kill('SIGINT'), 500);
    }
  });
}

it('SIGINT mid-fault with --keep reverts every fault and leaves the stack up and clean', { timeout: 150_000 }, async () => {
  const r = await interruptMidFault(true);
  expect(r.stdout).toMatch(/applied latency on gateway-catalog-1/);
  expect(r.stderr).toMatch(/interrupted: every fault reverted, stack kept/);
  const proxies = await new ToxiproxyClient(resolvePorts(process.env).toxiproxy).proxies();
  for (const proxy of Object.values(proxies)) {
    expect(proxy.toxics, proxy.name).toEqual([]);
    expect(proxy.enabled, proxy.name).toBe(true);
  }
  const stack = await attachStack(process.env);
  const pricing = stack?.pidOf('pricing');
  expect(pricing).toBeDefined();
  expect(processState(pricing!)).not.toBe('T');
  await stopStack(process.env);
  expect(await leftovers(process.env)).toEqual([]);
});

it('SIGINT mid-fault without --keep leaves no process and no port behind', { timeout: 150_000 }, async () => {
  const r = await interruptMidFault(false);
  expect(r.stderr).toMatch(/interrupted: every fault reverted, stack stopped/);
  expect(await leftovers(process.env)).toEqual([]);
});
