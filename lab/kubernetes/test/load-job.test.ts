/**
 * Distributed load on Kubernetes (deploy/kubernetes/load/): an indexed Job whose pod i runs k6's
 * execution segment i of N of one scenario's load.ts, and the k6-operator TestRun example that
 * runs the same script in the same N parts. What can be checked without running a pod: the Job's
 * N agrees everywhere it is written, the pods get the scenario's files laid out as in scenarios/,
 * the image's run-segment gives pod i the segment i/N:(i+1)/N of the sequence 0,1/N,...,1 (so the
 * N segments tile the whole schedule, none overlapping), and the TestRun's Kubernetes-typed parts
 * pass kubeconform -strict as a Pod (the TestRun kind itself has no schema here).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../paths.ts';
import { kubernetesVersion } from '../../../tools/versions.ts';
import { DEPLOY_DIR, parseObjects, renderYaml, validate, type KubeObject } from '../manifests.ts';
import { openApiDocument, writeSchemas } from '../schemas.ts';

const RUN_SEGMENT = join(PROJECT_ROOT, 'images', 'load', 'run-segment.sh');

interface Volume { name: string; configMap: { name: string; items?: { key: string; path: string }[] } }
interface Container { image: string; args?: string[]; env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string }[] }
interface JobSpec { completionMode: string; completions: number; parallelism: number; backoffLimit: number; template: { spec: { restartPolicy: string; containers: Container[]; volumes: Volume[] } } }

let job: KubeObject[];
let testRun: KubeObject[];
let dir: string;
beforeAll(async () => {
  job = parseObjects(await renderYaml(join(DEPLOY_DIR, 'load')));
  testRun = parseObjects(await renderYaml(join(DEPLOY_DIR, 'k6-operator')));
  dir = mkdtempSync(join(tmpdir(), 'faultline-load-job-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const one = (objects: KubeObject[], kind: string): KubeObject => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const rational = (text: string): number => {
  const [a, b] = text.split('/');
  return Number(a) / Number(b ?? 1);
};

/** What run-segment hands the engine for pod i of n (a stand-in engine prints its command line). */
function segmentArgs(i: string | undefined, n: string | undefined): { status: number | null; out: string; err: string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ENGINE_NODE: 'echo', ENGINE_CLI: 'cli.ts', ...(i === undefined ? {} : { JOB_COMPLETION_INDEX: i }), ...(n === undefined ? {} : { SEGMENTS: n }) };
  const r = spawnSync('sh', [RUN_SEGMENT, '--quiet', 'script.ts'], { env, encoding: 'utf8' });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe('the indexed Job of engine pods', () => {
  it('runs N pods once each, with N written alike in completions, parallelism and SEGMENTS', () => {
    const spec = one(job, 'Job').spec as unknown as JobSpec;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.parallelism).toBe(spec.completions);
    expect(spec.backoffLimit).toBe(0);
    expect(spec.template.spec.restartPolicy).toBe('Never');
    const engine = spec.template.spec.containers[0]!;
    expect(engine.env?.find((e) => e.name === 'SEGMENTS')?.value).toBe(String(spec.completions));
    expect(engine.env?.find((e) => e.name === 'K6_PROMETHEUS_RW_SERVER_URL')?.value).toBe('http://prometheus:9090/api/v1/write');
    expect(engine.args).toContain('experimental-prometheus-rw');
  });

  it('runs the engine image images/build.sh builds, pinned', () => {
    const engine = (one(job, 'Job').spec as unknown as JobSpec).template.spec.containers[0]!;
    expect(readFileSync(join(PROJECT_ROOT, 'images', 'build.sh'), 'utf8')).toContain(`load) echo ${engine.image} ;;`);
    expect(readFileSync(join(PROJECT_ROOT, 'images', 'load', 'Dockerfile'), 'utf8')).toMatch(/ENTRYPOINT \["\/app\/run-segment"\]/);
  });

  it('gives the pods the scenario\'s load.ts and what it imports, laid out as in scenarios/', () => {
    const spec = (one(job, 'Job').spec as unknown as JobSpec).template.spec;
    const configMap = one(job, 'ConfigMap');
    const mount = spec.containers[0]!.volumeMounts!.find((m) => m.name === 'script')!;
    const items = spec.volumes.find((v) => v.name === 'script')!.configMap.items!;
    expect(spec.volumes.find((v) => v.name === 'script')!.configMap.name).toBe(configMap.metadata.name);
    const script = spec.containers[0]!.args!.at(-1)!;
    const scriptItem = items.find((item) => posix.join(mount.mountPath, item.path) === script);
    expect(scriptItem, `${script} is one of the volume's files`).toBeDefined();
    const scenarioFile = join(PROJECT_ROOT, 'scenarios', scriptItem!.path);
    expect(configMap.data![scriptItem!.key]).toBe(readFileSync(scenarioFile, 'utf8'));
    // every relative import of the script is a file of the volume, with the repository's content
    for (const [, target] of configMap.data![scriptItem!.key]!.matchAll(/from '(\.[^']+)'/g)) {
      const path = posix.join(posix.dirname(scriptItem!.path), target!);
      const item = items.find((i) => i.path === path);
      expect(item, `${target} imported by ${scriptItem!.path}`).toBeDefined();
      expect(configMap.data![item!.key]).toBe(readFileSync(join(dirname(scenarioFile), target!), 'utf8'));
    }
  });
});

describe('run-segment: pod i of N runs segment i/N:(i+1)/N of the sequence 0,1/N,...,1', () => {
  for (const n of [1, 2, 3, 4]) {
    it(`N = ${n}: the segments tile 0..1, each a step of the sequence`, () => {
      let end = 0;
      for (let i = 0; i < n; i++) {
        const r = segmentArgs(String(i), String(n));
        expect(r.status, r.err).toBe(0);
        const words = r.out.split(' ');
        expect(words.slice(0, 3)).toEqual(['--max-semi-space-size=64', 'cli.ts', 'run']);
        const segment = words[words.indexOf('--execution-segment') + 1]!;
        const sequence = words[words.indexOf('--execution-segment-sequence') + 1]!;
        expect(sequence.split(',').map(rational)).toEqual(Array.from({ length: n + 1 }, (_, k) => k / n));
        const [from, to] = segment.split(':');
        expect(sequence.split(',')).toEqual(expect.arrayContaining([from, to]));
        expect(rational(from!)).toBe(end);
        expect(rational(to!)).toBeCloseTo((i + 1) / n, 12);
        end = rational(to!);
        expect(words.slice(-2)).toEqual(['--quiet', 'script.ts']);
      }
      expect(end).toBe(1);
    });
  }

  it('refuses an index outside 0..N-1 or a missing one, in one line', () => {
    for (const [i, n, reason] of [['4', '4', /JOB_COMPLETION_INDEX=4 is not below SEGMENTS=4/], [undefined, '4', /JOB_COMPLETION_INDEX='' is not a whole number/], ['0', 'x', /SEGMENTS='x' is not a whole number/], ['0', '0', /SEGMENTS=0: give at least 1/]] as const) {
      const r = segmentArgs(i, n);
      expect(r.status).toBe(2);
      expect(r.err).toMatch(reason);
      expect(r.err.split('\n')).toHaveLength(1);
    }
  });
});

describe('the k6-operator TestRun example (documented, not run here)', () => {
  it('runs the same script files in as many parts as the Job', () => {
    const run = one(testRun, 'TestRun');
    const spec = run.spec as { parallelism: number; script: { configMap: { name: string; file: string } } };
    expect(run.apiVersion).toBe('k6.io/v1alpha1');
    expect(spec.parallelism).toBe((one(job, 'Job').spec as unknown as JobSpec).completions);
    const scripts = one(testRun, 'ConfigMap');
    expect(scripts.metadata.name).toBe(spec.script.configMap.name);
    expect(scripts.data).toEqual(one(job, 'ConfigMap').data);
    expect(Object.keys(scripts.data!)).toContain(spec.script.configMap.file);
  });

  it('its Kubernetes-typed parts (env, resources, volumes, mounts) pass kubeconform -strict as a Pod', async () => {
    const schemas = join(dir, 'schemas');
    writeSchemas(schemas, openApiDocument(kubernetesVersion()));
    const spec = one(testRun, 'TestRun').spec as Record<string, { image?: string; env?: unknown; resources?: unknown; volumes: unknown; volumeMounts: unknown }>;
    const pods = ['initializer', 'runner'].map((part) => {
      const p = spec[part]!;
      const container = { name: part, image: p.image ?? 'grafana/k6', env: p.env, resources: p.resources, volumeMounts: p.volumeMounts };
      return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: part }, spec: { containers: [Object.fromEntries(Object.entries(container).filter(([, v]) => v !== undefined))], volumes: p.volumes } });
    });
    const file = join(dir, 'testrun-pods.yaml');
    writeFileSync(file, pods.join('\n---\n'));
    const verdict = await validate(file, schemas);
    expect(verdict.output).toMatch(/Valid: 2, Invalid: 0, Errors: 0/);
  });
});
