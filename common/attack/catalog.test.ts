import * as fs from 'fs';
import * as path from 'path';
// attack-id-check: allow-revoked (this file tests the mapping of revoked ids)
import {
  ATTACK_VERSION,
  getTactic,
  getTechnique,
  resolveTechniqueId,
  tacticOrder,
  tacticsForTechnique,
  techniqueStatus,
  toEcsThreat,
  toEcsThreatFlat,
} from './catalog';
import { buildCatalog } from '../../scripts/attack/build_catalog';
import { datasetPath } from '../../scripts/lib/datasets';

describe('ATT&CK catalog', () => {
  it('records the ATT&CK version it was built from', () => {
    expect(ATTACK_VERSION).toBe('18.1');
  });

  it('finds techniques and sub-techniques with names, URLs and parents', () => {
    expect(getTechnique('T1003.001')).toMatchObject({
      name: 'LSASS Memory',
      url: 'https://attack.mitre.org/techniques/T1003/001',
      parentId: 'T1003',
      isSubtechnique: true,
      tacticIds: ['TA0006'],
    });
    expect(getTechnique('t1021')?.name).toBe('Remote Services');
    expect(getTechnique('T9999')).toBeUndefined();
  });

  it('maps revoked ids to their replacements and rejects unknown and deprecated ones', () => {
    expect(resolveTechniqueId('T1178')).toBe('T1134.005');
    expect(resolveTechniqueId('T1186')).toBe('T1055.013');
    expect(resolveTechniqueId('T1086')).toBe('T1059.001');
    expect(resolveTechniqueId('T1003.001')).toBe('T1003.001');
    expect(resolveTechniqueId('T9999')).toBeUndefined();
    expect(techniqueStatus('T1064')).toEqual({ status: 'deprecated', name: 'Scripting' });
    expect(resolveTechniqueId('T1064')).toBeUndefined();
  });

  it('orders tactics along the kill chain and looks them up by id, shortname or name', () => {
    expect(tacticOrder).toHaveLength(14);
    expect(tacticOrder[0].id).toBe('TA0043');
    expect(tacticOrder[tacticOrder.length - 1].id).toBe('TA0040');
    expect(getTactic('credential-access')?.id).toBe('TA0006');
    expect(getTactic('Lateral Movement')?.id).toBe('TA0008');
    expect(getTactic('ta0004')?.name).toBe('Privilege Escalation');
  });

  it('lists the tactics of a technique in kill-chain order', () => {
    expect(tacticsForTechnique('T1078').map((t) => t.id)).toEqual(['TA0001', 'TA0003', 'TA0004', 'TA0005']);
    expect(tacticsForTechnique('T9999')).toEqual([]);
  });

  it('builds ECS threat objects per tactic with sub-techniques under their parent', () => {
    const threat = toEcsThreat(['T1003.001', 'T1021.002', 'T1178', 'T9999']);
    expect(threat.map((t) => t.tactic.id[0])).toEqual(['TA0004', 'TA0005', 'TA0006', 'TA0008']);
    const cred = threat.find((t) => t.tactic.id[0] === 'TA0006');
    expect(cred).toEqual({
      framework: 'MITRE ATT&CK',
      tactic: {
        id: ['TA0006'],
        name: ['Credential Access'],
        reference: ['https://attack.mitre.org/tactics/TA0006'],
      },
      technique: {
        id: ['T1003'],
        name: ['OS Credential Dumping'],
        reference: ['https://attack.mitre.org/techniques/T1003'],
        subtechnique: {
          id: ['T1003.001'],
          name: ['LSASS Memory'],
          reference: ['https://attack.mitre.org/techniques/T1003/001'],
        },
      },
    });
    const flat = toEcsThreatFlat(['T1003.001', 'T1021.002']);
    expect(flat?.tactic.id).toEqual(['TA0006', 'TA0008']);
    expect(flat?.technique.subtechnique?.id).toEqual(['T1003.001', 'T1021.002']);
    expect(toEcsThreatFlat(['T9999'])).toBeUndefined();
  });

  it('committed catalog_data.json equals a fresh build from the STIX bundle', () => {
    const bundlePath = datasetPath('attack', 'enterprise-attack-18.1.json');
    const fresh = buildCatalog(JSON.parse(fs.readFileSync(bundlePath, 'utf8')), '18.1');
    const committed: unknown = JSON.parse(fs.readFileSync(path.join(__dirname, 'catalog_data.json'), 'utf8'));
    expect(committed).toEqual(fresh);
    expect(fresh.techniques).toHaveLength(691);
  });
});
