/**
 * Small value rules about Windows events that detection and the model features both need, kept in one place so the
 * detectors and the feature extractor (and through it the Python training twin) cannot disagree.
 */

/** Winlogbeat's names for logon types (winlog.logon.type), as its Security module renders them. */
export const LOGON_TYPE_LABELS: Readonly<Record<string, string>> = {
  '0': 'System',
  '2': 'Interactive',
  '3': 'Network',
  '4': 'Batch',
  '5': 'Service',
  '7': 'Unlock',
  '8': 'NetworkCleartext',
  '9': 'NewCredentials',
  '10': 'RemoteInteractive',
  '11': 'CachedInteractive',
  '12': 'CachedRemoteInteractive',
  '13': 'CachedUnlock',
};

/** Winlogbeat renders logon types as names (`Network`, `RemoteInteractive`); Windows and Wazuh carry numbers. */
const LOGON_TYPE_NAMES: Record<string, number> = {
  interactive: 2,
  network: 3,
  batch: 4,
  service: 5,
  unlock: 7,
  networkcleartext: 8,
  newcredentials: 9,
  remoteinteractive: 10,
  cachedinteractive: 11,
};

/** Logon type as a number whether the event carries `3`, `"3"` or Winlogbeat's name; undefined when unknown. */
export function parseLogonType(raw: string): number | undefined {
  if (/^\d+$/.test(raw)) return Number(raw);
  return LOGON_TYPE_NAMES[raw.toLowerCase().replace(/[\s_-]/g, '')];
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip === '0.0.0.0' || ip === '::';
}

/** RFC 1918, link-local, loopback, CGNAT and IPv6 ULA/link-local addresses: not "outbound". */
export function isPrivateIp(ip: string): boolean {
  if (isLoopback(ip)) return true;
  const m = /^(\d{1,3})\.(\d{1,3})\./.exec(ip);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    return (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const l = ip.toLowerCase();
  return l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe80');
}
