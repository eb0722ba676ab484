/**
 * What docker-compose.yml reads from FAULTLINE_COMPOSE_INPUTS besides the shared config files:
 * each app instance's environment (env/<instance>.env), Toxiproxy's proxies
 * (toxiproxy/proxies.json) and Prometheus' scrape targets (prometheus/targets/*.json). All come
 * from the same topology.ts and port map as the native stack's, so the runtimes cannot drift.
 * The lab writes them into its lab dir per run; images/lab-defaults/ holds the ones for the
 * default port map, for a plain `docker compose up`.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PortMap } from '../../ports.ts';
import type { StackContext } from '../context.ts';
import { infraTargets } from '../supervisor.ts';
import { writeTargets } from '../targets.ts';
import type { ServiceSpec, Topology, TopologyOptions } from '../topology.ts';
import { PROJECT_ROOT } from '../../paths.ts';
import { writePrivateFile, type LabSecrets } from '../../secrets.ts';

/** The committed inputs for the default port map. */
export const DEFAULT_INPUTS_DIR = join(PROJECT_ROOT, 'images', 'lab-defaults');

/** The app instances docker-compose.yml runs (one catalog instance: replicas need the native runtime). */
export const COMPOSE_APP_INSTANCES = ['pricing', 'catalog-1', 'orders', 'worker', 'gateway'] as const;

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** KEY='value' lines: single quotes keep compose from interpolating `$` or reading `#` in a value. */
export function envFileText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (/['\n]/.test(value)) throw new Error(`${key} holds a quote or a newline, which an env file cannot carry: ${value.slice(0, 40)}`);
      return `${key}='${value}'\n`;
    })
    .join('');
}

export function composeAppSpecs(topology: Topology, ports: PortMap, options: Omit<TopologyOptions, 'catalogReplicas'>): ServiceSpec[] {
  return topology.serviceSpecs(ports, { ...options, catalogReplicas: 1 }).filter((s) => (COMPOSE_APP_INSTANCES as readonly string[]).includes(s.instance));
}

/**
 * What PostgreSQL's and Grafana's containers are given: the superuser's and the services' role's
 * passwords (the image refuses to start without them) and Grafana's admin password. Without the lab's secrets (the
 * committed defaults) Grafana creates no admin at all rather than one with a known password.
 */
export function infraEnv(secrets: LabSecrets | undefined): Record<'postgres' | 'grafana', Record<string, string>> {
  return {
    postgres: secrets ? { POSTGRES_PASSWORD: secrets.postgresPassword, FAULTLINE_DB_PASSWORD: secrets.databasePassword } : {},
    grafana: secrets ? { GF_SECURITY_ADMIN_PASSWORD: secrets.grafanaAdminPassword } : { GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION: 'true' },
  };
}

/**
 * Writes every input under ctx.dir (prometheus/targets/ is where the native stack writes its
 * targets too). The env files carry secrets: 0600, in a 0700 folder.
 */
export function writeComposeInputs(ctx: StackContext, topology: Topology, options: Omit<TopologyOptions, 'catalogReplicas' | 'secrets'>, secrets?: LabSecrets): void {
  const specs = composeAppSpecs(topology, ctx.ports, { ...options, ...(secrets ? { secrets } : {}) });
  const envDir = join(ctx.dir, 'env');
  mkdirSync(envDir, { recursive: true, mode: 0o700 });
  for (const spec of specs) writePrivateFile(join(envDir, `${spec.instance}.env`), envFileText(spec.env));
  for (const [service, env] of Object.entries(infraEnv(secrets))) writePrivateFile(join(envDir, `${service}.env`), envFileText(env));

  mkdirSync(join(ctx.dir, 'toxiproxy'), { recursive: true });
  const proxies = topology.proxySpecs(ctx.ports, 1).map((p) => ({ ...p, enabled: true }));
  writeAtomically(join(ctx.dir, 'toxiproxy', 'proxies.json'), `${JSON.stringify(proxies, null, 2)}\n`);

  writeTargets(ctx, 'infra', infraTargets(ctx));
  writeTargets(
    ctx,
    'app',
    specs.map((s) => ({ address: `127.0.0.1:${s.metricsPort ?? s.port}`, job: s.service, instance: s.instance, ...(s.metricsPath ? { metricsPath: s.metricsPath } : {}) })),
  );
  writeTargets(ctx, 'faultline', [{ address: `127.0.0.1:${ctx.ports.labMetrics}`, job: 'faultline', instance: 'faultline' }]);
}
