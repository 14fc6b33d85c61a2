/**
 * @jest-environment ./server/detection/models/ort_test_environment.js
 */
/**
 * The simulated evaluation with behaviour baselines (`eval:simulated -- --baselines`) on the real Elasticsearch:
 * the scorer writes the quiet history's entity windows, the scheduled retraining builds forests from them, and
 * the evaluated period is then scored by those forests, so baseline rows can appear in the report.
 */
import { Client } from '@elastic/elasticsearch';
import { parseOptions, renderReport, runSimulatedEvaluation } from '../../scripts/eval/simulated_campaigns';
import { stackUrls } from '../stack_env';

jest.setTimeout(300_000);

describe('simulated evaluation with behaviour baselines', () => {
  const { esUrl } = stackUrls();
  const saved = process.env.ES_URL;
  beforeAll(() => {
    process.env.ES_URL = esUrl;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.ES_URL;
    else process.env.ES_URL = saved;
  });

  it('trains forests from the history before the period and scores the period with them', async () => {
    const opts = {
      ...parseOptions(['--hosts', '12', '--days', '1', '--seed', '5', '--baselines', '--history-days', '2']),
      out: '',
    };
    expect(opts.baselineHistoryDays).toBe(2);
    const r = await runSimulatedEvaluation(opts);
    expect(r.baselines).toBeDefined();
    expect(r.baselines?.trained).toBeGreaterThan(0);
    expect(r.baselines?.historyEvents).toBeGreaterThan(1000);
    // Windows of the history and of the evaluated period both went to the run's own windows index.
    const es = new Client({ node: esUrl });
    try {
      await es.indices.refresh({ index: r.baselines?.windowsIndex as string });
      const n = await es.count({ index: r.baselines?.windowsIndex as string });
      expect(n.count).toBeGreaterThan(r.baselines?.windowsRead ?? 0);
    } finally {
      await es.close();
    }
    const { text } = renderReport(r);
    expect(text).toMatch(/--baselines --history-days 2/);
    expect(text).toMatch(/forests trained/);
  });
});
