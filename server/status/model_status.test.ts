import * as path from 'path';
import { modelStatus } from './model_status';

describe('modelStatus', () => {
  it('lists the committed cards with their held-out metrics, without the bulky histograms', async () => {
    const st = await modelStatus({ directory: path.resolve(__dirname, '..', '..', 'models') });
    expect(st.models.map((m) => m.file)).toEqual([
      'bilstm.card.json',
      'hybrid.card.json',
      'lightgbm.card.json',
    ]);
    const hybrid = st.models.find((m) => m.file === 'hybrid.card.json') as Record<string, unknown>;
    const test = (hybrid.metrics as { test: Record<string, { prAuc: number }> }).test;
    expect(Object.keys(test).sort()).toEqual(['bilstm', 'hybrid', 'lightgbm', 'plainAverage']);
    expect(hybrid.trainingHistograms).toBeUndefined();
    expect(hybrid.trainingHistogramFeatures).toBeGreaterThan(40);
    expect(Array.isArray(st.live)).toBe(true);
  });

  it('reports an empty list for a missing directory', async () => {
    const st = await modelStatus({ directory: '/nonexistent/models' });
    expect(st.models).toEqual([]);
  });
});
