/**
 * Model status for the model-status app: the model cards found in the models directory (version, held-out
 * metrics, training data summary) joined with what this process has loaded (latency p50/p95, PSI drift per
 * feature against the training histograms stored in the cards, load errors). With no trained models the list is
 * empty and the app says so.
 */
import * as fs from 'fs';
import * as path from 'path';
import { liveModels, type LiveModelStatus } from '../detection/models/registry';

export interface ModelCardSummary extends Record<string, unknown> {
  file: string;
}

export interface ModelStatus {
  directory: string;
  models: ModelCardSummary[];
  /** Scorers running in this process (hybrid model), with latency and drift. */
  live: LiveModelStatus[];
}

/** Training histograms are large and only serve drift computation: the status shows which features have one. */
function summarise(file: string, card: Record<string, unknown>): ModelCardSummary {
  const { trainingHistograms, file: modelFile, ...rest } = card;
  // `file` stays the card's file name (as before); the card's own `file` (the ONNX file) becomes `modelFile`.
  const out: ModelCardSummary = { ...rest, file };
  if (modelFile !== undefined) out.modelFile = modelFile;
  if (trainingHistograms && typeof trainingHistograms === 'object')
    out.trainingHistogramFeatures = Object.keys(trainingHistograms).length;
  return out;
}

export async function modelStatus(opts: { directory: string }): Promise<ModelStatus> {
  const dir = path.resolve(opts.directory);
  let files: string[] = [];
  try {
    files = (await fs.promises.readdir(dir)).filter((f) => f.endsWith('.card.json')).sort();
  } catch {
    return { directory: dir, models: [], live: liveModels() };
  }
  const models = await Promise.all(
    files.map(async (f) => {
      try {
        return summarise(
          f,
          JSON.parse(await fs.promises.readFile(path.join(dir, f), 'utf8')) as Record<string, unknown>,
        );
      } catch (err) {
        return { file: f, error: `unreadable card: ${(err as Error).message}` };
      }
    }),
  );
  return { directory: dir, models, live: liveModels() };
}

/** Kept for the plugin's existing wiring. */
export async function readModelStatus(cfg: { models: { directory: string } }): Promise<ModelStatus> {
  return modelStatus({ directory: cfg.models.directory });
}
