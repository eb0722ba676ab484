/**
 * DESIGN.md's parts and their nevers, checked on every import of every source file, so a
 * crossing fails CI. Tests are exempt (they start real stacks and may reach across parts);
 * bench/ and test/ are not parts. Written by hand rather than with dependency-cruiser: its
 * TypeScript parsing needs the `typescript` JS API, which TypeScript 7 no longer ships, and the
 * rules fit in a table of path prefixes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lab/paths.ts';
import { importsOf } from './imports.ts';

interface Rule {
  /** The part: every source file under this folder. */
  part: string;
  /** Project folders or files (prefixes) the part may import; its own folder is always allowed. */
  mayImport: string[];
  /** npm packages it may import (prefixes), when it may not import any. */
  packages?: string[];
  /** Folders or files inside what it may import that it must still not (prefixes). */
  mayNotImport?: string[];
}

/** The app's published contracts: what the lab and chaos may know of the app. */
const APP_CONTRACTS = 'target-app/src/contracts/';

/** What the orchestrator may import. */
const LAB = ['lab/', 'errors/', 'chaos/', 'load/', 'dashboards/', APP_CONTRACTS];
/** The lab's top: the CLI and its commands. */
const WIRING = ['lab/cli.ts', 'lab/commands/'];
/** The three users of the lab's shared contracts. */
const LAB_USERS = ['lab/runner/', 'lab/report/', 'lab/gate/'];

const RULES: Rule[] = [
  // the system under test knows nothing of the lab
  { part: 'target-app/', mayImport: [] },
  // below every part: errors and bad-input lines several parts use
  { part: 'errors/', mayImport: [] },
  // fault types act through Toxiproxy, processes, datastores and what the app publishes, never through the runner
  { part: 'chaos/', mayImport: ['errors/', APP_CONTRACTS] },
  // the embedded load engine runs k6 scripts and knows nothing of the lab, the faults or the app
  { part: 'load/', mayImport: ['errors/'] },
  // scenarios: the scenario types, the PromQL vocabulary of their hypotheses, k6 modules and the shared k6 skeleton only
  { part: 'scenarios/', mayImport: ['lab/runner/schema.ts', 'lab/runner/promql.ts', 'scenarios/k6/'], packages: ['k6'] },
  // the dashboards and their queries stand alone: the lab reads them (the report draws the same queries), never the reverse
  { part: 'dashboards/', mayImport: ['errors/'] },
  // the orchestrator may drive chaos/ and the load engine, and knows the app only by its contracts;
  // inside it, the CLI and its commands wire the runner, the report and the gate together, ...
  { part: 'lab/cli.ts', mayImport: LAB },
  { part: 'lab/commands/', mayImport: LAB },
  // ... which share contracts (summary.json, the per-second file, the HDR window arithmetic) only
  // through modules below all three, never through each other ...
  { part: 'lab/runner/', mayImport: LAB, mayNotImport: [...WIRING, 'lab/report/', 'lab/gate/'] },
  { part: 'lab/report/', mayImport: LAB, mayNotImport: [...WIRING, 'lab/runner/', 'lab/gate/'] },
  { part: 'lab/gate/', mayImport: LAB, mayNotImport: [...WIRING, 'lab/runner/', 'lab/report/'] },
  // ... and what lies below them knows none of them
  { part: 'lab/', mayImport: LAB, mayNotImport: [...WIRING, ...LAB_USERS] },
];

function isTest(path: string): boolean {
  return path.endsWith('.test.ts') || path.split('/').includes('test');
}

function sourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return listed.split('\n').filter((path) => path !== '' && !isTest(path));
}

/** The crossings of one file: "<file> imports <target>" for each import its part forbids. */
export function crossings(file: string, source: string, rules: Rule[] = RULES): string[] {
  const rule = rules.find((r) => file.startsWith(r.part));
  if (!rule) return [];
  const out: string[] = [];
  for (const specifier of importsOf(source)) {
    if (specifier.startsWith('node:')) continue;
    if (!specifier.startsWith('.')) {
      if (rule.packages && !rule.packages.some((p) => specifier === p || specifier.startsWith(`${p}/`))) out.push(`${file} imports the package ${specifier}`);
      continue;
    }
    const target = relative(PROJECT_ROOT, resolve(PROJECT_ROOT, dirname(file), specifier));
    const under = (prefix: string) => target === prefix || target.startsWith(prefix);
    const allowed = (under(rule.part) || rule.mayImport.some(under)) && !(rule.mayNotImport ?? []).some(under);
    if (!allowed) out.push(`${file} imports ${target}`);
  }
  return out;
}

/** Scenario folder names a runner file spells out: the runner must find scenarios, never name them. */
/**
 * Scenarios the source names as a scenario: in a string or a path ('cache-stampede',
 * scenarios/autoscaling/, NAME=failover). A pattern's own name in prose (the autoscaler, the
 * faultline-autoscaling dashboard) is not a scenario's.
 */
function scenarioNamesIn(source: string, scenarios: string[]): string[] {
  return scenarios.filter((name) => new RegExp(`(?<=['"\`/=])${name}(?![\\w-])`).test(source));
}

describe('the parts of DESIGN.md and their nevers', () => {
  const files = sourceFiles();

  it('no source file imports across a forbidden boundary', () => {
    const found = files.flatMap((file) => crossings(file, readFileSync(join(PROJECT_ROOT, file), 'utf8')));
    expect(found).toEqual([]);
  });

  it('the runner names no scenario', () => {
    const scenarios = [...new Set(files.filter((f) => /^scenarios\/[^/]+\/scenario\.ts$/.test(f)).map((f) => f.split('/')[1]!))];
    expect(scenarios.length).toBeGreaterThan(0);
    const named = files.filter((f) => f.startsWith('lab/')).flatMap((file) => scenarioNamesIn(readFileSync(join(PROJECT_ROOT, file), 'utf8'), scenarios).map((name) => `${file} names ${name}`));
    expect(named).toEqual([]);
  });

  it('the check sees each kind of crossing (a forbidden import in each part is reported)', () => {
    expect(crossings('target-app/src/topology.ts', "import { resolvePorts } from '../../lab/ports.ts';")).toEqual(['target-app/src/topology.ts imports lab/ports.ts']);
    expect(crossings('chaos/registry.ts', "import { describeIssues } from '../lab/runner/validation.ts';")).toEqual(['chaos/registry.ts imports lab/runner/validation.ts']);
    expect(crossings('chaos/edges.ts', "import { x } from '../target-app/src/platform/metrics.ts';")).toEqual(['chaos/edges.ts imports target-app/src/platform/metrics.ts']);
    expect(crossings('scenarios/a/load.ts', "import { Redis } from 'ioredis';\nexport { run } from '../../lab/runner/run.ts';")).toEqual([
      'scenarios/a/load.ts imports the package ioredis',
      'scenarios/a/load.ts imports lab/runner/run.ts',
    ]);
    expect(crossings('load/engine.ts', "const m = await import('../chaos/timeline.ts');")).toEqual(['load/engine.ts imports chaos/timeline.ts']);
    expect(crossings('lab/runner/run.ts', "import type { Product } from '../../target-app/src/services/catalog/products.ts';")).toEqual(['lab/runner/run.ts imports target-app/src/services/catalog/products.ts']);
    expect(crossings('dashboards/run-range.ts', "import type { Summary } from '../lab/run-summary/summary.ts';")).toEqual(['dashboards/run-range.ts imports lab/run-summary/summary.ts']);
    expect(crossings('lab/report/prometheus-panels.ts', "import { PrometheusClient } from '../runner/prometheus.ts';")).toEqual(['lab/report/prometheus-panels.ts imports lab/runner/prometheus.ts']);
    expect(crossings('lab/runner/run.ts', "import { writeReport } from '../report/index.ts';")).toEqual(['lab/runner/run.ts imports lab/report/index.ts']);
    expect(crossings('lab/gate/figures.ts', "import type { Summary } from '../runner/summary.ts';")).toEqual(['lab/gate/figures.ts imports lab/runner/summary.ts']);
    expect(crossings('lab/run-summary/summary.ts', "import { runScenario } from '../runner/run.ts';")).toEqual(['lab/run-summary/summary.ts imports lab/runner/run.ts']);
    expect(crossings('lab/stack/index.ts', "import { registerScenarioCommands } from '../commands/scenario.ts';")).toEqual(['lab/stack/index.ts imports lab/commands/scenario.ts']);
    expect(crossings('lab/gate/figures.ts', "import { readSummaryIn } from '../run-summary/summary.ts';")).toEqual([]);
    expect(crossings('lab/commands/scenario.ts', "import { writeReport } from '../report/index.ts';\nimport { runScenario } from '../runner/run.ts';")).toEqual([]);
    expect(scenarioNamesIn("const name = 'cache-stampede';", ['cache-stampede'])).toEqual(['cache-stampede']);
    expect(scenarioNamesIn('const dir = `scenarios/autoscaling/load.ts`;', ['autoscaling'])).toEqual(['autoscaling']);
    expect(scenarioNamesIn("// the lab's autoscaling controller; uid 'faultline-autoscaling'", ['autoscaling'])).toEqual([]);
  });
});
