import { simulate } from '../../simulator/generator';
import { resolveScenarios } from '../../simulator/scenarios';
import { filebeatEnvelope } from '../../simulator/targets/kafka';
import { isRejection } from '../../../common/event';
import { decodeKafkaMessage, kafkaOriginId } from './decode_message';

function firstDoc(format: 'winlogbeat-raw' | 'wazuh') {
  const sim = simulate({
    seed: 3,
    hosts: 12,
    days: 1,
    start: Date.parse('2025-03-04T00:00:00Z'),
    scenarios: resolveScenarios('lateral_movement'),
    format,
    maxEvents: 1,
  });
  const d = sim.documents.next();
  if (d.done) throw new Error('simulator produced nothing');
  return d.value;
}

const ref = (topic: string, offset = '42') => ({ topic, partition: 1, offset });
const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('decodeKafkaMessage', () => {
  it('normalizes a Winlogbeat Kafka message (raw JSON with @metadata), origin topic:partition:offset', () => {
    const d = firstDoc('winlogbeat-raw');
    const res = decodeKafkaMessage(buf(d.doc), ref('winlogbeat'), 'winlogbeat');
    if (isRejection(res)) throw new Error(`rejected: ${res.field}: ${res.reason}`);
    expect(res.origin).toEqual({
      kind: 'kafka',
      format: 'winlogbeat_raw',
      location: 'winlogbeat',
      id: 'winlogbeat:1:42',
    });
    expect(res['@timestamp']).toBe(new Date(d.ts).toISOString());
  });

  it('unwraps the Filebeat envelope of a Wazuh alert', () => {
    const d = firstDoc('wazuh');
    const res = decodeKafkaMessage(buf(filebeatEnvelope(d, 0)), ref('wazuh-alerts'), 'wazuh', {
      keepOriginal: true,
    });
    if (isRejection(res)) throw new Error(`rejected: ${res.field}: ${res.reason}`);
    expect(res.origin.format).toBe('wazuh_alert');
    expect(res.original).toEqual(d.doc);
  });

  it('rejects malformed messages, naming the field', () => {
    const cases: Array<[Buffer | null, 'winlogbeat' | 'wazuh', string, RegExp]> = [
      [null, 'winlogbeat', '', /empty Kafka message/],
      [buf('{oops'), 'winlogbeat', '', /not JSON/],
      [buf('[1]'), 'winlogbeat', '', /not an object/],
      [
        buf({ '@metadata': { beat: 'filebeat' }, message: '{"rule":' }),
        'wazuh',
        'message',
        /message is not JSON/,
      ],
      [buf({ message: '7' }), 'wazuh', 'message', /not an object/],
    ];
    for (const [value, kind, field, reason] of cases) {
      const res = decodeKafkaMessage(value, ref('t'), kind);
      if (!isRejection(res)) throw new Error('expected a rejection');
      expect(res.field).toBe(field);
      expect(res.reason).toMatch(reason);
      expect(res.origin.id).toBe(kafkaOriginId(ref('t')));
    }
  });
});
