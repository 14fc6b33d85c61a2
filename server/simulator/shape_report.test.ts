import { diffShapes, generatedShapes, loadGoldenShapes } from './shape_report';

/**
 * Paths the real documents have that we deliberately do not produce, with the reason. Anything else missing is a
 * shape bug.
 */
const KNOWN_GAPS: Array<[RegExp, string]> = [
  [/^winlog\.activity_id$/, 'correlation activity id: present only on some events in the captures'],
  [/^event\.ingested$/, 'removed from newer golden versions (datasets README)'],
  [/^winlog\.time_created$/, 'Elastic Agent documents only'],
  [/^winlog\.scheduled_task\./, 'Elastic Agent system.security pipeline only (parses TaskContent)'],
  [
    /^winlog\.event_data\.(ClientProcessId|ClientProcessStartKey|FQDN|ParentProcessId|RpcCallClientLocality)$/,
    '4698 fields of newer Windows builds in the Agent capture',
  ],
  [/^winlog\.event_data\.Access(List|Mask)Description$/, 'Elastic Agent forwarded pipeline only'],
  [/^data\.win\.eventdata\.path$/, 'only benign 4104 carry a script path and they raise no Wazuh alert'],
];

function unexplained(missing: string[]): string[] {
  return missing.filter((p) => !KNOWN_GAPS.some(([re]) => re.test(p)));
}

describe('simulator output shape against the real documents', () => {
  const golden = loadGoldenShapes();

  it('Winlogbeat enriched documents carry every field path the ingest goldens have, per event code', () => {
    const r = diffShapes(golden.enriched, generatedShapes('winlogbeat', { seed: 3, hosts: 30, days: 7 }));
    expect(r.diffs.length).toBeGreaterThanOrEqual(14);
    expect(
      r.diffs.map((d) => ({ code: d.code, missing: unexplained(d.missing) })).filter((d) => d.missing.length),
    ).toEqual([]);
  });

  it('Winlogbeat raw documents carry every field path the collection goldens have', () => {
    const r = diffShapes(golden.raw, generatedShapes('winlogbeat-raw', { seed: 3, hosts: 30, days: 7 }));
    expect(r.diffs.map((d) => d.code).sort()).toEqual([
      'powershell:4104',
      'security:4672',
      'security:4688',
      'sysmon:1',
    ]);
    expect(
      r.diffs.map((d) => ({ code: d.code, missing: unexplained(d.missing) })).filter((d) => d.missing.length),
    ).toEqual([]);
  });

  it('Wazuh alerts carry every field path the Wazuh alerts of the same event id have', () => {
    const r = diffShapes(golden.wazuh, generatedShapes('wazuh', { seed: 3, hosts: 30, days: 7 }));
    expect(r.diffs.length).toBeGreaterThanOrEqual(10);
    expect(
      r.diffs.map((d) => ({ code: d.code, missing: unexplained(d.missing) })).filter((d) => d.missing.length),
    ).toEqual([]);
  });
});
