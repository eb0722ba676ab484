/**
 * Every overlay of deploy/kubernetes/ and its load Job render with kustomize and pass kubeconform
 * in strict mode against the schemas of the pinned Kubernetes release, made here from its OpenAPI
 * document; and a manifest with a field the API does not have is refused, so this test can fail.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overlays, renderYaml, validate, DEPLOY_DIR } from '../manifests.ts';
import { openApiDocument, writeSchemas } from '../schemas.ts';
import { kubernetesVersion } from '../../../tools/versions.ts';

let dir: string;
let schemas: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-kubeconform-'));
  schemas = join(dir, 'schemas');
  expect(writeSchemas(schemas, openApiDocument(kubernetesVersion()))).toBeGreaterThan(50);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy/kubernetes', () => {
  it('has the lab and perf overlays', () => {
    expect(overlays()).toEqual(['lab', 'perf']);
  });

  for (const kustomization of ['overlays/lab', 'overlays/perf', 'load']) {
    it(`${kustomization} renders and is valid Kubernetes ${kubernetesVersion()} (kubeconform -strict)`, async () => {
      const file = join(dir, `${kustomization.replace('/', '-')}.yaml`);
      writeFileSync(file, await renderYaml(join(DEPLOY_DIR, kustomization)));
      const verdict = await validate(file, schemas);
      expect(verdict.output).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
      expect(verdict.ok).toBe(true);
    });
  }

  it('refuses a field the API does not have, a wrong type and a kind it has no schema for', async () => {
    const cases = {
      unknownField: 'apiVersion: v1\nkind: Service\nmetadata: { name: x }\nspec: { selektor: { a: b }, ports: [{ port: 80 }] }\n',
      wrongType: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec: { replicas: many, selector: { matchLabels: { a: b } }, template: { metadata: { labels: { a: b } }, spec: { containers: [{ name: c, image: i }] } } }\n',
      unknownKind: 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: { name: x }\n',
    };
    for (const [name, yaml] of Object.entries(cases)) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, yaml);
      const verdict = await validate(file, schemas);
      expect(verdict.ok, `${name}: ${verdict.output}`).toBe(false);
    }
  });
});
