/**
 * Finds and loads scenarios: every folder under scenarios/ with a scenario.ts is one. The
 * runner knows none by name. A scenario is validated whole (schema, fault types and attributes,
 * offsets, phases, variant names) before any process starts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabError } from '../../errors/lab-error.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { parseAttributes } from '../../chaos/registry.ts';
import type { TimelineEntry } from '../../chaos/timeline.ts';
import { describeIssues } from '../../errors/describe-issues.ts';
import { phaseWindows } from './phases.ts';
import { scenarioSchema, seconds, type PhaseName, type Profile, type ProfileName, type Scenario } from './schema.ts';

export interface LoadedScenario {
  name: string;
  dir: string;
  /** The scenario file, relative to the project (for messages). */
  file: string;
  loadScript: string;
  scenario: Scenario;
}

/** What one profile of a scenario runs: offsets resolved to seconds, attributes parsed. */
export interface RunPlan {
  profile: ProfileName;
  settings: Profile;
  timeline: TimelineEntry[];
}

/** Shortest phase the runner will judge: Prometheus needs a few 1 s samples for a rate. */
export const MIN_PHASE_SECONDS = 3;

export function scenariosDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FAULTLINE_SCENARIOS_DIR ?? join(PROJECT_ROOT, 'scenarios');
}

export function scenarioNames(env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = scenariosDir(env);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'scenario.ts')))
    .map((d) => d.name)
    .sort();
}

export async function loadScenario(name: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedScenario> {
  const known = scenarioNames(env);
  if (!known.includes(name)) {
    const list = known.length > 0 ? known.join(', ') : 'none yet';
    throw new LabError('RUN_ERR_UNKNOWN_SCENARIO', `unknown scenario '${name}': known scenarios are ${list} (make scenarios lists them)`);
  }
  const dir = join(scenariosDir(env), name);
  const path = join(dir, 'scenario.ts');
  const file = relative(PROJECT_ROOT, path);
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new LabError('RUN_ERR_SCENARIO_FILE', `${file} does not load: ${firstLine(error)}`);
  }
  if (exported === undefined) throw new LabError('RUN_ERR_SCENARIO_FILE', `${file} has no default export: end it with export default defineScenario({...})`);
  const parsed = scenarioSchema.safeParse(exported);
  if (!parsed.success) throw new LabError('RUN_ERR_SCENARIO_SCHEMA', `${file}: ${describeIssues(parsed.error)}`);
  const scenario = parsed.data;
  const loadScript = join(dir, scenario.load);
  if (!existsSync(loadScript)) throw new LabError('RUN_ERR_SCENARIO_SCHEMA', `${file}: field load: ${scenario.load} does not exist in ${relative(PROJECT_ROOT, dir)}/`);
  checkVariantNames(scenario, file);
  for (const profile of ['smoke', 'full'] as const) planRun({ name, dir, file, loadScript, scenario }, profile);
  return { name, dir, file, loadScript, scenario };
}

function checkVariantNames(scenario: Scenario, file: string): void {
  const variants = Object.keys(scenario.variants);
  scenario.hypotheses.forEach((h, i) => {
    for (const v of [...(h.variants ?? []), ...('of' in h.expect && h.expect.of.variant ? [h.expect.of.variant] : [])]) {
      if (!variants.includes(v)) throw new LabError('RUN_ERR_SCENARIO_SCHEMA', `${file}: field hypotheses[${i}]: unknown variant '${v}': the variants are ${variants.join(', ')}`);
    }
  });
}

/** Resolves the timeline for a profile and checks that every phase the hypotheses use has room. */
export function planRun(loaded: LoadedScenario, profile: ProfileName): RunPlan {
  const { scenario, file } = loaded;
  const settings = scenario.profiles[profile];
  const { duration } = settings;
  const timeline = scenario.timeline.map((entry, i): TimelineEntry => {
    const where = `${file} timeline[${i}]`;
    const at = seconds(entry.at, duration);
    const length = seconds(entry.duration, duration);
    if (at + length > duration) {
      throw new LabError('RUN_ERR_SCENARIO_SCHEMA', `${where}: the fault ends at ${round(at + length)} s, after the ${profile} load (${duration} s): shorten it or start it earlier`);
    }
    return { id: `${i + 1}-${entry.fault}`, fault: entry.fault, target: entry.target, at, duration: length, attributes: parseAttributes(entry.fault, entry.attributes, where) };
  });
  const used = new Set<PhaseName>(scenario.hypotheses.flatMap((h) => [h.phase, ...('of' in h.expect && h.expect.of.phase ? [h.expect.of.phase] : [])]));
  if (timeline.length === 0 && (used.has('fault') || used.has('recovery'))) {
    throw new LabError('RUN_ERR_SCENARIO_SCHEMA', `${file}: field hypotheses: a hypothesis is judged in the fault or recovery phase but the timeline has no fault`);
  }
  const windows = phaseWindows({ start: 0, end: duration }, timeline.map((t) => ({ start: t.at, end: t.at + t.duration })), settings);
  for (const name of used) {
    const w = windows[name];
    if (w && w.end - w.start < MIN_PHASE_SECONDS) {
      throw new LabError('RUN_ERR_SCENARIO_SCHEMA', `${file}: profile ${profile}: the ${name} phase lasts ${round(w.end - w.start)} s, under ${MIN_PHASE_SECONDS} s: lengthen the load or move the faults`);
    }
  }
  return { profile, settings, timeline };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
