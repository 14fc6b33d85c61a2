import type { Event } from '../../../common/event';
import { parseDetectionConfig } from '../config';
import { ForcedAuthenticationDetector, kernelSmbConnection } from './forced_authentication';
import { at, makeEvent } from './test_events';

const T0 = '2025-03-04T10:00:00.000Z';

/** A Sysmon 3 event of the kernel (`System`, pid 4), shaped as the Sysmon normalizer produces it. */
function kernelConnection(
  offsetSeconds: number,
  direction: 'inbound' | 'outbound',
  local: [string, number],
  remote: [string, number],
  host = 'dc01.corp.local',
): Event {
  // Accepted connections: Sysmon puts the local end in `source` (as in the recorded SpoolSample trace).
  const [src, dst] = [local, remote];
  return makeEvent({
    time: at(T0, offsetSeconds),
    host,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    eventId: 3,
    extra: {
      process: { executable: 'System', name: 'System', pid: 4 },
      source: { ip: src[0], port: src[1] },
      destination: { ip: dst[0], port: dst[1] },
      network: { transport: 'tcp', direction },
    },
  });
}

function detector(over: Record<string, unknown> = {}): ForcedAuthenticationDetector {
  return new ForcedAuthenticationDetector(
    parseDetectionConfig({ forcedAuthentication: over }).forcedAuthentication,
  );
}

describe('ForcedAuthenticationDetector', () => {
  it('reports a host whose kernel calls back over SMB the peer that just opened an SMB session to it', () => {
    const d = detector();
    expect(d.observe(kernelConnection(0, 'inbound', ['10.0.0.10', 445], ['10.0.0.66', 59767]))).toEqual([]);
    const f = d.observe(kernelConnection(1, 'outbound', ['10.0.0.10', 62733], ['10.0.0.66', 445]));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ ruleId: 'apt.behaviour.forced_authentication', techniqueIds: ['T1187'] });
    expect(f[0].explanation).toContain('10.0.0.66 opened an SMB session to dc01.corp.local and 1 s later');
    expect(f[0].evidence).toHaveLength(2);
  });

  it('ignores a call-back to a different peer, one after the window, and one-way SMB', () => {
    const d = detector({ windowSeconds: 10 });
    d.observe(kernelConnection(0, 'inbound', ['10.0.0.10', 445], ['10.0.0.66', 50000]));
    expect(d.observe(kernelConnection(2, 'outbound', ['10.0.0.10', 50001], ['10.0.0.77', 445]))).toEqual([]);
    expect(d.observe(kernelConnection(30, 'outbound', ['10.0.0.10', 50002], ['10.0.0.66', 445]))).toEqual([]);
    // A client reaching a file server and the file server never calling back: nothing.
    const one = detector();
    expect(
      one.observe(kernelConnection(0, 'inbound', ['10.0.0.20', 445], ['10.0.0.30', 50000], 'fs01')),
    ).toEqual([]);
  });

  it('reports one host-peer pair once per quiet period and skips allow-listed print servers', () => {
    const d = detector();
    d.observe(kernelConnection(0, 'inbound', ['10.0.0.10', 445], ['10.0.0.66', 50000]));
    expect(d.observe(kernelConnection(1, 'outbound', ['10.0.0.10', 50001], ['10.0.0.66', 445]))).toHaveLength(
      1,
    );
    d.observe(kernelConnection(5, 'inbound', ['10.0.0.10', 445], ['10.0.0.66', 50003]));
    expect(d.observe(kernelConnection(6, 'outbound', ['10.0.0.10', 50004], ['10.0.0.66', 445]))).toEqual([]);
    const allowed = detector({ allowHosts: ['PRN01.corp.local'] });
    allowed.observe(
      kernelConnection(0, 'inbound', ['10.0.0.5', 445], ['10.0.0.66', 50000], 'prn01.corp.local'),
    );
    expect(
      allowed.observe(
        kernelConnection(1, 'outbound', ['10.0.0.5', 50001], ['10.0.0.66', 445], 'prn01.corp.local'),
      ),
    ).toEqual([]);
  });

  it('only reads the kernel process, and survives a snapshot between the two halves', () => {
    const notKernel = kernelConnection(0, 'inbound', ['10.0.0.10', 445], ['10.0.0.66', 50000]);
    notKernel.process = { executable: 'C:\\Windows\\explorer.exe', name: 'explorer.exe', pid: 900 };
    expect(kernelSmbConnection(notKernel)).toBeUndefined();
    const d = detector();
    d.observe(kernelConnection(0, 'inbound', ['10.0.0.10', 445], ['10.0.0.66', 50000]));
    const restored = detector();
    restored.restore(JSON.parse(JSON.stringify(d.snapshot())));
    expect(
      restored.observe(kernelConnection(2, 'outbound', ['10.0.0.10', 50001], ['10.0.0.66', 445])),
    ).toHaveLength(1);
    restored.restore({ hosts: 'garbage' });
    expect(
      restored.observe(kernelConnection(3, 'outbound', ['10.0.0.10', 50001], ['10.0.0.66', 445])),
    ).toEqual([]);
  });
});
