import { Client } from '@elastic/elasticsearch';
import type { AlertDoc } from '../../common/alert';
import { buildAlert } from '../../server/detection/alerts/build_alert';
import { alertIndexTemplate } from '../../server/detection/alerts/index_template';
import type { Finding } from '../../server/detection/types';
import { stackUrls, uniqueName } from '../stack_env';

const finding: Finding = {
  ruleId: 'apt.behaviour.lateral_fanout',
  ruleName: 'Lateral movement: one source logging on to many hosts',
  detector: 'behaviour',
  techniqueIds: ['T1021.002', 'T1550.002'],
  severity: 'high',
  riskScore: 63,
  explanation: '10.0.0.50 made network logons to 5 different hosts within 30 minutes.',
  user: 'admin',
  firstSeen: '2024-03-01T10:00:00.000Z',
  lastSeen: '2024-03-01T10:01:20.000Z',
  evidence: [
    {
      id: 'lm.evtx#1',
      location: '/data/lm.evtx',
      timestamp: '2024-03-01T10:00:00.000Z',
      summary: 'network logon to srv1',
    },
    {
      id: 'lm.evtx#5',
      location: '/data/lm.evtx',
      timestamp: '2024-03-01T10:01:20.000Z',
      summary: 'network logon to srv5',
    },
  ],
  contributions: [{ feature: 'distinct_hosts', value: 5, weight: 1 }],
};

describe('alert index template on the development Elasticsearch', () => {
  let es: Client;
  beforeAll(() => {
    es = new Client({ node: stackUrls().esUrl });
  });
  afterAll(() => es.close());

  it('installs, takes alerts by deterministic id without duplicates, and searches ECS threat fields', async () => {
    const index = uniqueName('apt-alerts-test');
    const template = alertIndexTemplate(index);
    await es.indices.putIndexTemplate({ name: template.name, ...template.body });
    try {
      const doc = buildAlert(finding, { incidentId: 'inc-1', isFileLocation: () => true });
      // Written twice (a retried batch): the deterministic _id makes the second write an overwrite.
      for (let i = 0; i < 2; i++) {
        const res = await es.bulk({
          refresh: true,
          operations: [{ index: { _index: index, _id: doc.apt.alert_id } }, doc],
        });
        expect(res.errors).toBe(false);
      }
      const count = await es.count({ index });
      expect(count.count).toBe(1);

      const hits = await es.search<AlertDoc>({
        index,
        query: {
          bool: {
            filter: [
              { term: { 'threat.tactic.id': 'TA0008' } },
              { term: { 'threat.technique.subtechnique.id': 'T1550.002' } },
              { term: { 'log.file.path': '/data/lm.evtx' } },
              { range: { 'event.severity': { gte: 70 } } },
              { match: { message: 'network logons' } },
            ],
          },
        },
      });
      expect(hits.hits.hits.map((h) => h._id)).toEqual([doc.apt.alert_id]);

      const mapping = await es.indices.getMapping({ index });
      const props = Object.values(mapping)[0].mappings.properties ?? {};
      expect(props['@timestamp']).toEqual({ type: 'date' });
      expect(JSON.stringify(props.apt)).toContain('"incident_id":{"type":"keyword"');
    } finally {
      await es.indices.delete({ index, ignore_unavailable: true });
      await es.indices.deleteIndexTemplate({ name: template.name });
    }
  });
});
