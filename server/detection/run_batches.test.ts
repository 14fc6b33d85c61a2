import type { CompositeAlertSink, CompositeWriteResult } from '../sinks/composite_sink';
import { at, makeEvent } from './detectors/test_events';
import { DetectionPipeline } from './pipeline';
import { loadRules } from './rules/engine';
import { releaseWaitingAndWrite } from './run_batches';

const T0 = '2025-03-05T10:00:00.000Z';

/** A Sysmon 13 Run-key write apt.persist.run_key fires on. */
const runKey = (time: string) =>
  makeEvent({
    time,
    host: 'ws01',
    channel: 'Microsoft-Windows-Sysmon/Operational',
    eventId: 13,
    data: {
      Image: 'C:\\Windows\\System32\\reg.exe',
      TargetObject: 'HKU\\S-1-5-21-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\upd',
      Details: 'C:\\Users\\Public\\upd.exe',
    },
  });

/** The composite sink's contract as the loop sees it: Elasticsearch took the batch, or did not. */
function sink(stored: boolean): CompositeAlertSink & { written: number } {
  const s = {
    written: 0,
    async write(batch: { alerts: unknown[] }): Promise<CompositeWriteResult> {
      if (stored) s.written += batch.alerts.length;
      return {
        stored,
        durationMs: 1,
        results: [
          {
            sink: 'elasticsearch',
            attempted: batch.alerts.length,
            written: stored ? batch.alerts.length : 0,
            failed: stored ? 0 : batch.alerts.length,
            skipped: 0,
            errors: stored ? [] : [{ type: 'index_closed_exception', reason: 'refused', retriable: false }],
            durationMs: 1,
          },
        ],
      };
    },
  };
  return s as unknown as CompositeAlertSink & { written: number };
}

describe('releaseWaitingAndWrite', () => {
  it('writes the alerts waiting for repeats and keeps holding them when the write fails', async () => {
    const p = new DetectionPipeline({ rules: loadRules(), detectors: [] });
    await p.processBatch([runKey(T0), runKey(at(T0, 1))]);
    expect(p.hasWaiting()).toBe(true);

    await expect(releaseWaitingAndWrite(p, sink(false))).rejects.toThrow(/not stored/);
    expect(p.hasWaiting()).toBe(true);

    const ok = sink(true);
    expect(await releaseWaitingAndWrite(p, ok)).toBe(1);
    expect(ok.written).toBe(1);
    expect(p.hasWaiting()).toBe(false);
    expect(await releaseWaitingAndWrite(p, ok)).toBe(0);
  });
});
