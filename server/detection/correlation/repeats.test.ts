import type { AlertDoc } from '../../../common/alert';
import type { Event } from '../../../common/event';
import type { DetectionConfigInput } from '../config';
import { at, makeEvent } from '../detectors/test_events';
import { DetectionPipeline } from '../pipeline';
import { loadRules } from '../rules/engine';

const rules = loadRules();
const T0 = '2025-03-05T10:00:00.000Z';
const RUN_KEY = 'apt.persist.run_key';

/** Sysmon 13: `image` set a Run value to `data` (apt.persist.run_key fires on a user-writable target). */
function runKey(time: string, data = 'C:\\Users\\Public\\upd.exe', host = 'ws01'): Event {
  return makeEvent({
    time,
    host,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    eventId: 13,
    data: {
      Image: 'C:\\Windows\\System32\\reg.exe',
      TargetObject: 'HKU\\S-1-5-21-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\upd',
      Details: data,
    },
  });
}

function pipeline(config: DetectionConfigInput = {}): DetectionPipeline {
  return new DetectionPipeline({ config, rules, detectors: [] });
}

async function alertsOf(p: DetectionPipeline, batches: Event[][]): Promise<AlertDoc[]> {
  const out: AlertDoc[] = [];
  for (const b of batches) out.push(...(await p.processBatch(b)).alerts);
  out.push(...(await p.flush()).alerts);
  return out.filter((a) => a.rule.id === RUN_KEY);
}

describe('repeated findings', () => {
  it('merges the same finding within the window into one alert with all evidence, saying how often', async () => {
    const events = [runKey(T0), runKey(at(T0, 1)), runKey(at(T0, 3))];
    const [alert, ...rest] = await alertsOf(pipeline(), [events]);
    expect(rest).toEqual([]);
    expect(alert.apt.evidence.map((e) => e.id)).toEqual(events.map((e) => e.origin.id));
    expect(alert.apt.explanation).toMatch(/ \(3 times in 3 s\)\.$/);
    const p = pipeline();
    await alertsOf(p, [events]);
    expect(p.stats().suppression?.foldedRepeats).toBe(2);
  });

  it('keeps apart a different value, a different host, and the same one after the window', async () => {
    const alerts = await alertsOf(pipeline(), [
      [
        runKey(T0),
        runKey(at(T0, 1), 'C:\\Users\\Public\\other.exe'),
        runKey(at(T0, 2), undefined, 'ws02'),
        runKey(at(T0, 30)),
      ],
    ]);
    expect(alerts).toHaveLength(4);
    expect(alerts.every((a) => !/times in/.test(a.apt.explanation))).toBe(true);
  });

  it('gives the same alerts however the events are cut into batches, and across a restore', async () => {
    const events = [runKey(T0), runKey(at(T0, 2)), runKey(at(T0, 4)), runKey(at(T0, 40))];
    const whole = await alertsOf(pipeline(), [events]);
    const split = await alertsOf(pipeline(), [[events[0]], [events[1]], events.slice(2)]);
    expect(split.map((a) => a.apt.alert_id)).toEqual(whole.map((a) => a.apt.alert_id));
    expect(whole).toHaveLength(2);

    // A task stops while the first alert waits for repeats: the next run's pipeline picks the wait up.
    const first = pipeline();
    const before = (await first.processBatch(events.slice(0, 2))).alerts;
    expect(before).toEqual([]);
    const second = pipeline();
    second.restoreState(JSON.parse(JSON.stringify(first.getState())));
    const after = await alertsOf(second, [events.slice(2)]);
    expect(after.map((a) => a.apt.alert_id)).toEqual(whole.map((a) => a.apt.alert_id));
  });

  it('lets a finding go once later events pass its window, without waiting for the end', async () => {
    const p = pipeline();
    expect((await p.processBatch([runKey(T0)])).alerts).toEqual([]);
    const later = makeEvent({ time: at(T0, 11), host: 'ws01', eventId: 4688, data: {} });
    const out = (await p.processBatch([later])).alerts;
    expect(out.map((a) => a.rule.id)).toEqual([RUN_KEY]);
  });

  it('lets waiting findings go on request, as a scheduled run does once it has read everything', async () => {
    const p = pipeline();
    expect((await p.processBatch([runKey(T0), runKey(at(T0, 1))])).alerts).toEqual([]);
    const released = p.releaseWaiting().alerts.filter((a) => a.rule.id === RUN_KEY);
    expect(released.map((a) => a.apt.evidence.length)).toEqual([2]);
    expect((await p.flush()).alerts.filter((a) => a.rule.id === RUN_KEY)).toEqual([]);
  });

  it('alerts on every finding at once when turned off', async () => {
    const p = pipeline({ suppression: { repeats: { windowSeconds: 0 } } });
    const out = (await p.processBatch([runKey(T0), runKey(at(T0, 1))])).alerts;
    expect(out.filter((a) => a.rule.id === RUN_KEY)).toHaveLength(2);
  });
});
