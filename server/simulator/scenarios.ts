/**
 * Campaign scenario files (server/simulator/scenarios/*.json): an ordered list of steps, each with its ATT&CK
 * technique ids (v18.1), the action that produces its events, and the delay after the previous step.
 * Validated with zod when loaded, so a broken file fails with the offending path.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';

export const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;

const stepSchema = z.object({
  id: z.string().regex(/^[a-z0-9_]+$/),
  name: z.string().min(1),
  techniques: z.array(z.string().regex(TECHNIQUE_ID)).min(1),
  action: z.string().min(1),
  /** Minutes after the previous step (or the campaign start): uniform in [min, max]. */
  delayMinutes: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).default([1, 5]),
  /** Move the step into the victim user's next working hours (low-and-slow operators blend in). */
  workingHours: z.boolean().default(false),
  params: z.record(z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).default({}),
});

export const scenarioSchema = z.object({
  name: z.string().regex(/^[a-z0-9_]+$/),
  description: z.string().min(1),
  /** Where in the simulated period the campaign starts, as a fraction of the duration (uniform in [min, max]). */
  startFraction: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.2, 0.6]),
  steps: z.array(stepSchema).min(1),
});

export type ScenarioStep = z.infer<typeof stepSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;
export type StepParams = ScenarioStep['params'];

export const SCENARIO_DIR = path.join(__dirname, 'scenarios');

export function listScenarioNames(dir = SCENARIO_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadScenario(name: string, dir = SCENARIO_DIR): Scenario {
  const file = path.join(dir, `${name}.json`);
  if (!fs.existsSync(file))
    throw new Error(`unknown scenario "${name}" (known: ${listScenarioNames(dir).join(', ')})`);
  const parsed = scenarioSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`scenario ${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  if (parsed.data.name !== name)
    throw new Error(`scenario ${file}: name "${parsed.data.name}" does not match the file name`);
  return parsed.data;
}

/** "all", "none", or a comma-separated list of names. */
export function resolveScenarios(spec: string, dir = SCENARIO_DIR): Scenario[] {
  if (spec === 'none') return [];
  const names =
    spec === 'all'
      ? listScenarioNames(dir)
      : spec
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  return names.map((n) => loadScenario(n, dir));
}

export function numParam(params: StepParams, key: string, fallback: number): number {
  const v = params[key];
  return typeof v === 'number' ? v : fallback;
}

export function strParam(params: StepParams, key: string, fallback: string): string {
  const v = params[key];
  return typeof v === 'string' ? v : fallback;
}
