// attack-id-check: allow-revoked (this table holds ATT&CK v19 ids that the v18.1 catalog cannot know)
/**
 * Label ids from ATT&CK v19, which the v18.1 catalog does not know, and the v18.1 techniques v19 folded into each.
 * Sigma's tags already use them (datasets README: T1685, T1685.001, T1685.005, T1686.003). Source: the ATT&CK v19
 * release notes, "Revocations" (e.g. "Disable or Modify Tools (revoked by Disable or Modify Tools T1685)", "Clear
 * Windows Event Logs (revoked by ... T1685.005)"). T1686.003 (Windows Host Firewall) is new in v19; in v18.1 that
 * behaviour is T1562.004, the technique v19's T1686 revokes. Our alerts carry v18.1 ids, so a label is compared
 * through this table; without it those labels could never be met.
 */
export const V19_LABELS: Readonly<Record<string, readonly string[]>> = {
  T1685: ['T1562', 'T1562.001', 'T1562.006'], // Impair Defenses, Disable or Modify Tools, Indicator Blocking
  'T1685.001': ['T1562.002'], // Disable Windows Event Logging
  'T1685.002': ['T1562.008'], // Disable or Modify Cloud Logs
  'T1685.003': ['T1562.011'], // Spoof Security Alerting
  'T1685.004': ['T1562.012'], // Disable or Modify Linux Audit System
  'T1685.005': ['T1070.001'], // Clear Windows Event Logs
  'T1685.006': ['T1070.002'], // Clear Linux or Mac System Logs
  T1686: ['T1562.004'], // Disable or Modify System Firewall
  'T1686.001': ['T1562.007'], // Disable or Modify Cloud Firewall
  'T1686.002': ['T1562.013'], // Disable or Modify Network Device Firewall
  'T1686.003': ['T1562.004'], // Windows Host Firewall (new in v19)
  T1688: ['T1562.009'], // Safe Mode Boot
  T1689: ['T1562.010'], // Downgrade Attack
  T1690: ['T1562.003'], // Impair Command History Logging
};
