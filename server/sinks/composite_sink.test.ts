import { CompositeAlertSink, type PrimarySink } from './composite_sink';
import { ElasticsearchSinkUnavailableError } from './elasticsearch_sink';
import { emptyResult, type AlertSink, type SinkAlert, type SinkBatch, type SinkLogger } from './types';

const logger: SinkLogger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };

const alert = (id: string): SinkAlert => ({ id, doc: {}, severity: 'high', riskScore: 70 });

function primaryRejecting(ids: string[]): PrimarySink {
  return {
    name: 'elasticsearch',
    writeDetailed: async (batch: SinkBatch) => {
      const result = emptyResult('elasticsearch', batch.alerts.length);
      result.written = batch.alerts.length - ids.length;
      result.failed = ids.length;
      result.errors = ids.map((id) => ({
        id,
        type: 'mapper_parsing_exception',
        reason: 'bad',
        retriable: false,
      }));
      return { result, failedAlertIds: new Set(ids), failedIncidentIds: new Set<string>() };
    },
  };
}

function recordingSink(name: string, seen: string[][], behaviour: 'ok' | 'throw' = 'ok'): AlertSink {
  return {
    name,
    write: async (batch) => {
      seen.push(batch.alerts.map((a) => a.id));
      if (behaviour === 'throw') throw new Error(`${name} exploded`);
      return { ...emptyResult(name, batch.alerts.length), written: batch.alerts.length };
    },
  };
}

describe('CompositeAlertSink', () => {
  it('forwards only the alerts Elasticsearch stored, in sink order, and reports each sink', async () => {
    const seen: string[][] = [];
    const sink = new CompositeAlertSink({
      primary: primaryRejecting(['b']),
      secondary: [recordingSink('redis', seen), recordingSink('kafka', seen)],
      logger,
    });
    const out = await sink.write({ alerts: [alert('a'), alert('b'), alert('c')] });
    expect(out.stored).toBe(false);
    expect(out.results.map((r) => [r.sink, r.written, r.failed])).toEqual([
      ['elasticsearch', 2, 1],
      ['redis', 2, 0],
      ['kafka', 2, 0],
    ]);
    expect(seen).toEqual([
      ['a', 'c'],
      ['a', 'c'],
    ]);
  });

  it('keeps going when a best-effort sink throws, and counts it', async () => {
    const seen: string[][] = [];
    const sink = new CompositeAlertSink({
      primary: primaryRejecting([]),
      secondary: [recordingSink('redis', seen, 'throw'), recordingSink('kafka', seen)],
      logger,
    });
    const out = await sink.write({ alerts: [alert('a')] });
    expect(out.stored).toBe(true);
    expect(out.results[1]).toMatchObject({
      sink: 'redis',
      failed: 1,
      errors: [{ reason: 'redis exploded' }],
    });
    expect(out.results[2]).toMatchObject({ sink: 'kafka', written: 1 });
    expect(sink.health().find((h) => h.sink === 'redis')).toMatchObject({ batches: 1, failed: 1 });
  });

  it('throws when Elasticsearch is unreachable and does not touch the other sinks', async () => {
    const seen: string[][] = [];
    const primary: PrimarySink = {
      name: 'elasticsearch',
      writeDetailed: async () => {
        throw new ElasticsearchSinkUnavailableError('down', new Error('ECONNREFUSED'));
      },
    };
    const sink = new CompositeAlertSink({ primary, secondary: [recordingSink('redis', seen)], logger });
    await expect(sink.write({ alerts: [alert('a')] })).rejects.toThrow('down');
    expect(seen).toEqual([]);
    expect(sink.health()[0]).toMatchObject({ sink: 'elasticsearch', failed: 1, lastError: 'down' });
  });
});
