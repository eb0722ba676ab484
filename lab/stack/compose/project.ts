/**
 * One lab dir's compose project, driven through testcontainers: its name, the environment that
 * fills docker-compose.yml's variables from the lab's port map, the record that lets a later
 * `faultline down` (another process, maybe after a crash) find and remove it, and down itself.
 */
import { createHash } from 'node:crypto';
import { getContainerRuntimeClient } from 'testcontainers';
import { PROJECT_ROOT } from '../../paths.ts';
import type { PortMap, PortName } from '../../ports.ts';
import type { StackContext } from '../context.ts';
import { DEFAULT_INPUTS_DIR } from './inputs.ts';
import type { ProjectRecord } from './record.ts';

export const COMPOSE_FILE = 'docker-compose.yml';
/** Infrastructure services of docker-compose.yml, in the native component table's roles. */
export const COMPOSE_INFRA = ['postgres', 'redis', 'toxiproxy', 'prometheus', 'jaeger', 'victoria-logs'] as const;

/**
 * The reaper (Ryuk) is off: testcontainers reaches it through a published port, and this lab's
 * engine has no bridge network to publish one on (host networking only). Teardown is the lab's:
 * compose down on stop, on a failed or interrupted start, and from the project record on `down`.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
// Every service is on the host's network: testcontainers need not look for a bridge gateway (there is none).
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

/** One project per lab dir: two labs on one engine never touch each other's containers. */
export function projectName(ctx: StackContext): string {
  return `faultline-${createHash('sha256').update(ctx.dir).digest('hex').slice(0, 10)}`;
}

function envName(name: string): string {
  return `LAB_PORT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Variables docker-compose.yml reads: every port of the map, and where the per-run inputs are. */
export function composeVariables(ports: PortMap, inputsDir: string): Record<string, string> {
  const vars: Record<string, string> = { FAULTLINE_COMPOSE_INPUTS: inputsDir };
  for (const [name, port] of Object.entries(ports) as [PortName, number][]) vars[envName(name)] = String(port);
  return vars;
}

/** docker compose down for the project: containers and anything else it made, whatever state they are in. */
export async function downProject(ctx: StackContext, record: ProjectRecord): Promise<void> {
  process.env.DOCKER_HOST = record.dockerHost;
  const client = await getContainerRuntimeClient();
  await client.compose.down(
    {
      filePath: PROJECT_ROOT,
      files: COMPOSE_FILE,
      projectName: record.project,
      // down only needs the file to parse: the committed inputs always exist, the lab's may not
      environment: composeVariables(ctx.ports, DEFAULT_INPUTS_DIR),
      commandOptions: ['--remove-orphans'],
    },
    { removeVolumes: true, timeout: 10 },
  );
}

/** Containers of the project still present (any state): what a clean down leaves is none. */
export async function projectContainers(record: ProjectRecord): Promise<{ id: string; service: string; state: string }[]> {
  process.env.DOCKER_HOST = record.dockerHost;
  const client = await getContainerRuntimeClient();
  const all = await client.container.dockerode.listContainers({ all: true });
  return all
    .filter((c) => c.Labels['com.docker.compose.project'] === record.project)
    .map((c) => ({ id: c.Id, service: c.Labels['com.docker.compose.service'] ?? '?', state: c.State }));
}
