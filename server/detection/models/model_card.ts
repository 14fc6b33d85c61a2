import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';

/**
 * Model cards (models/<name>.card.json) as scripts/train/train.py writes them. Only the fields serving relies on
 * are validated; the rest (training data summary, parameters) is passed through for the status page.
 */

const metricsSchema = z
  .object({
    prAuc: z.number(),
    rocAuc: z.number(),
    precisionAtBudget: z.number(),
    brier: z.number(),
    ece: z.number(),
  })
  .passthrough();

const histogramSchema = z.object({ edges: z.array(z.number()), fractions: z.array(z.number()) });

const combinerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('weights'), wLgbm: z.number(), wLstm: z.number() }),
  z.object({ kind: z.literal('stacking'), a: z.number(), b: z.number(), c: z.number() }),
]);
export type Combiner = z.infer<typeof combinerSchema>;

const baseCard = z
  .object({
    name: z.string(),
    version: z.string(),
    date: z.string(),
    featureSchemaVersion: z.string(),
  })
  .passthrough();

export const componentCardSchema = baseCard.extend({
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  metrics: z.object({ test: metricsSchema }).passthrough(),
  featureImportanceGain: z.record(z.number()).optional(),
  /** LightGBM only: its trees with training-row counts, for per-window TreeSHAP (tree_shap.ts). */
  explainer: z
    .object({
      method: z.string(),
      format: z.literal('lightgbm-trees-1'),
      file: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .optional(),
});

export const hybridCardSchema = baseCard.extend({
  components: z.tuple([z.string(), z.string()]),
  combiner: combinerSchema,
  threshold: z.number().min(0).max(1),
  features: z.array(z.string()),
  metrics: z.object({ test: z.record(metricsSchema) }).passthrough(),
  trainingHistograms: z.record(histogramSchema),
});

export type ComponentCard = z.infer<typeof componentCardSchema>;
export type HybridCard = z.infer<typeof hybridCardSchema>;
export type FeatureHistogram = z.infer<typeof histogramSchema>;

export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export function readCard<T>(dir: string, name: string, schema: z.ZodType<T>): T {
  const file = path.join(dir, `${name}.card.json`);
  if (!fs.existsSync(file)) throw new ModelLoadError(`model card ${file} is missing: run npm run train`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelLoadError(`model card ${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelLoadError(`model card ${file}: field ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
