/**
 * kubeconform's schemas for the pinned Kubernetes release, made here from that release's own
 * OpenAPI document (api/openapi-spec/swagger.json of the k8s.io/kubernetes module, which the Go
 * module proxy serves with a checksum the Go checksum database vouches for): no schema registry
 * is needed, and the schemas are exactly the API the local control plane serves.
 *
 * kubeconform looks a kind up as `<kind>[-<group prefix>]-<version>.json`; each file written here
 * is the kind's definition with the definitions it refers to beside it, and the two kinds of
 * value Kubernetes accepts as either a number or a string (IntOrString, Quantity) widened as the
 * API server widens them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

type Schema = { [key: string]: unknown };
interface Swagger {
  definitions: Record<string, Schema & { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] }>;
}

const REF = '#/definitions/';
const NUMBER_OR_STRING = new Set(['io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'io.k8s.apimachinery.pkg.api.resource.Quantity']);

/** A release's OpenAPI v2 document (version as tools/versions.env pins it), from Go's module cache (downloaded once when missing). */
export function openApiDocument(version: string): Swagger {
  let out: string;
  try {
    out = execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off' } });
  } catch (error) {
    throw new Error(`go mod download k8s.io/kubernetes@${version} failed (${(error as Error).message.split('\n')[0]}): the schemas come from that module; check Go and the module proxy`);
  }
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  const file = dir && join(dir, 'api', 'openapi-spec', 'swagger.json');
  if (!file || !existsSync(file)) throw new Error(`k8s.io/kubernetes@${version} has no api/openapi-spec/swagger.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as Swagger;
}

/** kubeconform's file name of a kind: `deployment-apps-v1`, `service-v1`, `role-rbac-v1`. */
export function schemaFileName(group: string, version: string, kind: string): string {
  const prefix = group === '' ? '' : `-${group.split('.')[0]!.toLowerCase()}`;
  return `${kind.toLowerCase()}${prefix}-${version.toLowerCase()}.json`;
}

/** The names of the definitions a schema refers to, transitively. */
function referenced(doc: Swagger, root: Schema): Set<string> {
  const seen = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF)) {
        const name = value.slice(REF.length);
        if (!seen.has(name)) {
          seen.add(name);
          walk(doc.definitions[name]);
        }
      } else walk(value);
    }
  };
  walk(root);
  return seen;
}

/**
 * A definition as kubeconform should judge it: number-or-string kinds widened, and strict: a
 * field the API does not define is refused (kubeconform's -strict takes that from the schemas, as
 * its published "-strict" schema sets do, and the API server refuses it too).
 */
function judged(name: string, schema: Schema): Schema {
  if (NUMBER_OR_STRING.has(name)) return { anyOf: [{ type: 'string' }, { type: 'number' }] };
  return strict(schema) as Schema;
}

function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, strict(v)])) : strict(value);
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

/** Writes the schema of every kind of the document into dir; returns how many. */
export function writeSchemas(dir: string, doc: Swagger): number {
  mkdirSync(dir, { recursive: true });
  let written = 0;
  for (const [name, definition] of Object.entries(doc.definitions)) {
    const gvks = definition['x-kubernetes-group-version-kind'];
    if (!gvks || gvks.length !== 1 || name.endsWith('List')) continue;
    const { group, version, kind } = gvks[0]!;
    const definitions: Record<string, Schema> = {};
    for (const ref of referenced(doc, definition)) definitions[ref] = judged(ref, doc.definitions[ref]!);
    writeFileSync(join(dir, schemaFileName(group, version, kind)), JSON.stringify({ ...judged(name, definition), definitions }));
    written++;
  }
  return written;
}
