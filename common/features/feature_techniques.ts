/**
 * Which ATT&CK techniques a window feature is evidence of, so that model and baseline findings (which only know
 * "these features made the window unusual") can carry techniques like every other alert. A feature is listed only
 * where an unusual value is, by itself, a recognised trace of the technique; features that describe *when* or *how
 * much* (hour, event totals, process counts) or that several unrelated techniques move equally (new parent/child
 * pairs, rare processes, special-privilege logons) are deliberately absent. Every id must be current in the
 * committed catalog (checked by feature_techniques.test.ts and test/technique_ids.test.ts).
 *
 * Reviewed against the ATT&CK 18.1 technique pages and the window computation in window_extractor.ts; change a row
 * only with its `why` updated.
 *
 * Isomorphic: no Node or browser APIs here.
 */
import type { WindowFeatureName } from './schema';
import type { WindowFact } from './window_extractor';

export interface FeatureTechniqueLink {
  /** Current technique or sub-technique ids, most specific first. */
  techniqueIds: readonly string[];
  /** Why an unusual value of this feature is evidence of the technique (shown to reviewers, not analysts). */
  why: string;
  /** The link holds only for windows where this fact holds (WindowRow.facts). */
  requires?: WindowFact;
}

export const FEATURE_TECHNIQUES: Readonly<Partial<Record<WindowFeatureName, FeatureTechniqueLink>>> = {
  count_proc_access: {
    techniqueIds: ['T1003.001'],
    why:
      'Sysmon 10 (ProcessAccess) with lsass.exe as target is how credential dumping from LSASS memory shows. ' +
      'Other targets are not: configurations that log every access (as many lab recordings do) show shells and ' +
      'injected tools opening ordinary processes, so the link needs a window that really touched lsass.exe.',
    requires: 'lsass_access',
  },
  count_remote_thread: {
    techniqueIds: ['T1055'],
    why: 'Sysmon 8 (CreateRemoteThread) is the classic trace of injecting code into another process.',
  },
  count_logon_remote: {
    techniqueIds: ['T1021.001'],
    why: 'Logon type 10 is RemoteInteractive, i.e. an RDP session.',
  },
  logon_type_remote_frac: {
    techniqueIds: ['T1021.001'],
    why: 'Share of logons that are type 10 (RDP).',
  },
  count_share: {
    techniqueIds: ['T1021.002'],
    why: '5140 / 5145 network share access is how admin-share lateral movement (ADMIN$, C$, IPC$) shows.',
  },
  distinct_hosts: {
    techniqueIds: ['T1021', 'T1078'],
    why:
      'For a user, the number of hosts it logs on to (type 3/10 destinations): one account fanning out over ' +
      'hosts is remote-service lateral movement with valid credentials.',
  },
  distinct_source_ips: {
    techniqueIds: ['T1078'],
    why: 'One account authenticating from many source addresses: a valid account used from elsewhere.',
  },
  count_explicit_cred: {
    techniqueIds: ['T1078'],
    why: '4648 (logon with explicit credentials, runas / PsExec -u): use of another valid account.',
  },
  count_logon_fail: {
    techniqueIds: ['T1110'],
    why: '4625 / 4771 / failed 4776 and 4768 are failed authentications; a burst is guessing or spraying.',
  },
  failure_ratio: {
    techniqueIds: ['T1110'],
    why: 'Share of failed events in the window; high for password guessing and spraying.',
  },
  count_tgs: {
    techniqueIds: ['T1558.003'],
    why: 'Many 4769 Kerberos service-ticket requests from one account is Kerberoasting.',
  },
  count_service: {
    techniqueIds: ['T1543.003', 'T1569.002'],
    why: '4697 / 7045 service installs: persistence as a Windows service, and PsExec-style service execution.',
  },
  count_task: {
    techniqueIds: ['T1053.005'],
    why: '4698 / 4702 scheduled task created or updated.',
  },
  count_account: {
    techniqueIds: ['T1136', 'T1098'],
    why: '4720-4756: accounts created, enabled, reset, or added to (privileged) groups.',
  },
  count_log_clear: {
    techniqueIds: ['T1070.001'],
    why: 'Security 1102 / System 104: an event log was cleared.',
  },
  count_powershell: {
    techniqueIds: ['T1059.001'],
    why: 'PowerShell 4103 / 4104 module and script-block logging.',
  },
  count_registry: {
    techniqueIds: ['T1112'],
    why: 'Sysmon 12-14 registry object and value changes.',
  },
  distinct_dest_ports: {
    techniqueIds: ['T1046'],
    why: 'Connections to many destination ports in one window is a port scan.',
  },
  distinct_dest_ips: {
    techniqueIds: ['T1046', 'T1018'],
    why: 'Connections to many destination addresses is a host sweep.',
  },
  dns_entropy_mean: {
    techniqueIds: ['T1071.004'],
    why: 'High-entropy labels left of the registered domain carry encoded data: DNS tunnelling for C2.',
  },
  dns_entropy_max: {
    techniqueIds: ['T1071.004'],
    why: 'As dns_entropy_mean, for the single most random query.',
  },
  dns_qname_len_max: {
    techniqueIds: ['T1071.004'],
    why: 'Very long query names are how DNS tunnels fit data into queries.',
  },
  dns_long_labels: {
    techniqueIds: ['T1071.004'],
    why: 'Labels over 30 characters (encoded payload chunks).',
  },
  dns_distinct_domains: {
    techniqueIds: ['T1568.002'],
    why: 'Queries for many distinct registered domains in one window is the domain-generation-algorithm pattern.',
  },
  out_bytes_log: {
    techniqueIds: ['T1041', 'T1048'],
    why: 'Bytes sent to external addresses: exfiltration over the C2 channel or another protocol.',
  },
  out_bytes_max_log: {
    techniqueIds: ['T1041', 'T1048'],
    why: 'Largest single outbound transfer to an external address.',
  },
  external_conns: {
    techniqueIds: ['T1071'],
    why: 'Many connections to external addresses from one entity: application-layer C2 beaconing.',
  },
};

export interface RankedContribution {
  feature: string;
  value: number;
  weight: number;
  /**
   * False when the value is unusual for being low (below the training median, or isolated on the low side). A
   * feature missing its usual traffic is not evidence of the technique its high values point to, so such
   * contributors never supply techniques. Undefined: direction unknown, treated as high.
   */
  high?: boolean;
  /**
   * Where the value sits against the training distribution, when known: 'typical' values (central half) are
   * listed if the model leaned on them but, like low ones, supply no technique (`high` is then false).
   */
  tail?: 'high' | 'low' | 'typical';
}

export interface TechniqueAttribution {
  /** At most `maxTechniques` current ids, in order of the contribution that brought them. */
  techniqueIds: string[];
  /** The contributions whose mapping supplied the ids, in rank order. */
  from: RankedContribution[];
  /** True when the ids came from below the top contributors (see `attributeTechniques`). */
  deeper: boolean;
}

export interface AttributionOptions {
  /** Contributors examined first (the ones an explanation names). */
  top?: number;
  /** How far down the ranking to look when none of the top ones maps. */
  depth?: number;
  /** A deeper contributor counts only if its weight is at least this share of the first one's. */
  minRelativeWeight?: number;
  maxTechniques?: number;
  /**
   * The window's facts (WindowRow.facts): a link with `requires` counts only when its fact is here. Without this
   * option (callers that do not know the window) such links never count: no technique is better than a wrong one.
   */
  facts?: readonly string[];
}

/**
 * The techniques of a model or baseline window, from its contributions ranked by weight (largest first).
 * Contributors that are unusual for being low are set aside first: a missing activity (no DNS, no outbound bytes)
 * is not evidence of the technique its high values point to. Of the rest, the mapped techniques of the top `top`,
 * in rank order, at most `maxTechniques`. When none of those maps, the ranking is read further down to `depth`, but
 * only contributors still carrying at least `minRelativeWeight` of the leading weight count: a technique must come
 * from something that really moved the score. An empty result means the window cannot be tied to a technique;
 * callers then do not raise a standalone alert.
 */
export function attributeTechniques(
  ranked: readonly RankedContribution[],
  opts: AttributionOptions = {},
): TechniqueAttribution {
  const top = opts.top ?? 3;
  const depth = opts.depth ?? 8;
  const minRel = opts.minRelativeWeight ?? 0.25;
  const max = opts.maxTechniques ?? 3;
  const facts = opts.facts ?? [];
  const collect = (candidates: readonly RankedContribution[]): Omit<TechniqueAttribution, 'deeper'> => {
    const ids: string[] = [];
    const from: RankedContribution[] = [];
    for (const c of candidates) {
      if (ids.length >= max) break;
      const link = FEATURE_TECHNIQUES[c.feature as WindowFeatureName];
      if (!link || c.weight <= 0) continue;
      if (link.requires !== undefined && !facts.includes(link.requires)) continue;
      let added = false;
      for (const id of link.techniqueIds) {
        if (ids.length < max && !ids.includes(id)) {
          ids.push(id);
          added = true;
        }
      }
      if (added) from.push(c);
    }
    return { techniqueIds: ids, from };
  };
  const evidence = ranked.filter((c) => c.high !== false);
  const first = collect(evidence.slice(0, top));
  if (first.techniqueIds.length > 0) return { ...first, deeper: false };
  const floor = (evidence[0]?.weight ?? 0) * minRel;
  const deeper = collect(evidence.slice(top, depth).filter((c) => c.weight >= floor));
  return { ...deeper, deeper: deeper.techniqueIds.length > 0 };
}
