/**
 * The stack's app layer, on a stand-in topology of real processes: instances start behind their
 * Toxiproxy proxies, Prometheus scrapes each with job=<service> and instance=<name>, catalog
 * instances come and go at run time with the gateway told, process faults reach the right pid,
 * and down resumes a stopped process before stopping everything.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPort } from '../ports.ts';
import { httpOk } from '../stack/http.ts';
import { isRunning } from '../stack/processes.ts';
import { startStack, stopStack, type StackHandle } from '../stack/index.ts';
import { eventually, infraPorts, listening, processesUsing, testEnv } from './lab-env.ts';

const env = testEnv('app', { FAULTLINE_TOPOLOGY: join(import.meta.dirname, 'fixtures', 'topology.ts') });
let stack: StackHandle;

async function scrapedUp(job: string, instance: string): Promise<string | undefined> {
  const query = encodeURIComponent(`up{job="${job}",instance="${instance}"}`);
  const body = JSON.parse(await httpOk(`http://127.0.0.1:${stack.ports.prometheus}/api/v1/query?query=${query}`)) as { data: { result: { value: [number, string] }[] } };
  return body.data.result[0]?.value[1];
}

async function gatewayUpstreams(): Promise<string[]> {
  return (JSON.parse(await httpOk(`http://127.0.0.1:${adminPort(stack.ports.gateway)}/admin/upstreams/catalog`)) as { urls: string[] }).urls;
}

async function throughProxy(index: number): Promise<string> {
  return (JSON.parse(await httpOk(`http://127.0.0.1:${stack.ports.proxyCatalog + index - 1}/`)) as { instance: string }).instance;
}

beforeAll(async () => {
  stack = await startStack({ env, withApp: true, catalogReplicas: 2 });
});

afterAll(async () => {
  await stopStack(env);
});

describe('app instances on the native stack', () => {
  it('starts every instance of the topology, each reachable through its Toxiproxy proxy', async () => {
    expect(stack.instances().map((i) => i.instance)).toEqual(['catalog-1', 'catalog-2', 'gateway']);
    for (const instance of stack.instances()) expect(instance.pid, instance.instance).toBeGreaterThan(1);
    expect(await throughProxy(1)).toBe('catalog-1');
    expect(await throughProxy(2)).toBe('catalog-2');
    const rows = await stack.status();
    expect(rows.filter((r) => r.kind === 'app').map((r) => [r.name, r.health])).toEqual([
      ['catalog-1', 'healthy'],
      ['catalog-2', 'healthy'],
      ['gateway', 'healthy'],
    ]);
  });

  it('Prometheus scrapes each instance with job=<service> and instance=<name>', async () => {
    for (const [job, instance] of [['catalog', 'catalog-1'], ['catalog', 'catalog-2'], ['gateway', 'gateway']] as const) {
      expect(await eventually(() => scrapedUp(job, instance), 15_000, `${instance} never scraped`)).toBe('1');
    }
  });

  it('adds a catalog instance: process, proxy, scrape target, and the gateway is told', async () => {
    expect(await stack.addCatalogInstance()).toBe('catalog-3');
    expect(stack.catalogReplicas).toBe(3);
    expect(await throughProxy(3)).toBe('catalog-3');
    expect(await gatewayUpstreams()).toHaveLength(3);
    expect(await eventually(() => scrapedUp('catalog', 'catalog-3'), 15_000, 'catalog-3 never scraped')).toBe('1');
  });

  it('removes a catalog instance: the gateway forgets it first, then it stops', async () => {
    const pid = stack.pidOf('catalog-3');
    await stack.removeCatalogInstance();
    expect(stack.catalogReplicas).toBe(2);
    expect(await gatewayUpstreams()).toEqual([`http://127.0.0.1:${stack.ports.proxyCatalog}`, `http://127.0.0.1:${stack.ports.proxyCatalog + 1}`]);
    expect(stack.pidOf('catalog-3')).toBeUndefined();
    expect(isRunning(pid ?? 0)).toBe(false);
  });

  it('a killed instance is gone from pidOf, and restart brings it back under a new pid', async () => {
    const before = stack.pidOf('catalog-1');
    expect(stack.signal('catalog-1', 'SIGKILL')).toBe(true);
    await eventually(() => stack.pidOf('catalog-1') === undefined || undefined, 5000, 'catalog-1 survived SIGKILL');
    await stack.restart('catalog-1');
    const after = stack.pidOf('catalog-1');
    expect(after).toBeGreaterThan(1);
    expect(after).not.toBe(before);
    expect(await throughProxy(1)).toBe('catalog-1');
  });

  it('down resumes a stopped (SIGSTOP) instance and stops everything, freeing every port', async () => {
    const pids = stack.instances().map((i) => i.pid ?? 0);
    expect(stack.signal('catalog-2', 'SIGSTOP')).toBe(true);
    await stopStack(env);
    expect(pids.filter(isRunning)).toEqual([]);
    const appPorts = stack.instances().flatMap((i) => [i.port, i.adminPort]);
    expect(listening([...infraPorts(stack.ports), ...appPorts, stack.ports.proxyCatalog, stack.ports.proxyCatalog + 1])).toEqual([]);
    expect(processesUsing(stack.labDir)).toEqual([]);
  });
});
