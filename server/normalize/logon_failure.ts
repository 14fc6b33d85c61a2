/**
 * Decodes the NTSTATUS codes and `%%23xx` message ids of failed logons (4625) and NTLM validations (4776) into the
 * text Winlogbeat's security pipeline writes to `winlog.logon.failure.{status,sub_status,reason}`, so collection-stage
 * documents, EVTX records and Wazuh alerts carry the same fields as documents that went through the pipeline.
 *
 * Status texts: Microsoft's event 4625 documentation ("Security Monitoring Recommendations" status table), as
 * Winlogbeat spells them; reasons: the msobjs.dll message table entries 2304-2315.
 */

const STATUS: Readonly<Record<string, string>> = {
  '0x0': 'Status OK.',
  '0xc000005e': 'There are currently no logon servers available to service the logon request.',
  '0xc0000064': 'User logon with misspelled or bad user account',
  '0xc000006a': 'User logon with misspelled or bad password',
  '0xc000006d': 'This is either due to a bad username or authentication information',
  '0xc000006e': 'Unknown user name or bad password.',
  '0xc000006f': 'User logon outside authorized hours',
  '0xc0000070': 'User logon from unauthorized workstation',
  '0xc0000071': 'User logon with expired password',
  '0xc0000072': 'User logon to account disabled by administrator',
  '0xc00000dc': 'Indicates the Sam Server was in the wrong state to perform the desired operation.',
  '0xc0000133': 'Clocks between DC and other computer too far out of sync',
  '0xc000015b': 'The user has not been granted the requested logon type (aka logon right) at this machine',
  '0xc000018c':
    'The logon request failed because the trust relationship between the primary domain and the trusted domain failed.',
  '0xc0000192': 'An attempt was made to logon, but the Netlogon service was not started.',
  '0xc0000193': 'User logon with expired account',
  '0xc0000224': 'User is required to change password at next logon',
  '0xc0000225': 'Evidently a bug in Windows and not a risk',
  '0xc0000234': 'User logon with account locked',
  '0xc00002ee': 'Failure Reason: An Error occurred during Logon',
  '0xc0000413':
    'Logon Failure: The machine you are logging onto is protected by an authentication firewall. The specified account is not allowed to authenticate to the machine.',
};

const REASON: Readonly<Record<string, string>> = {
  '2304': 'An Error occured during Logon.',
  '2305': 'The specified user account has expired.',
  '2306': 'The NetLogon component is not active.',
  '2307': 'Account locked out.',
  '2308': 'The user has not been granted the requested logon type at this machine.',
  '2309': "The specified account's password has expired.",
  '2310': 'Account currently disabled.',
  '2311': 'Account logon time restriction violation.',
  '2312': 'User not allowed to logon at this computer.',
  '2313': 'Unknown user name or bad password.',
  '2314': 'Domain sid inconsistent.',
  '2315': 'Smartcard logon is required and was not used.',
};

/** "0xC000006D" / "0xc000006d" / "3221225581" -> "0xc000006d" (Wazuh and EVTX renderings differ). */
function statusKey(v: string): string {
  const s = v.trim().toLowerCase();
  if (/^\d+$/.test(s)) return `0x${Number(s).toString(16)}`;
  return s.startsWith('0x') ? `0x${s.slice(2).replace(/^0+(?=.)/, '')}` : s;
}

export function logonStatusText(code: string | undefined): string | undefined {
  return code === undefined ? undefined : STATUS[statusKey(code)];
}

/** "%%2313" -> "Unknown user name or bad password."; an already rendered text is kept as it is. */
export function logonFailureReasonText(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const t = reason.trim();
  if (t === '' || t === '-') return undefined;
  const m = /^%%(\d+)$/.exec(t);
  return m ? REASON[m[1]] : t;
}

export interface LogonFailure {
  reason?: string;
  status?: string;
  sub_status?: string;
}

/** The decoded failure of a 4625 (status, sub-status, reason) or 4776 (status only); undefined when nothing decodes. */
export function decodeLogonFailure(
  id: number,
  status: string | undefined,
  subStatus: string | undefined,
  reason: string | undefined,
): LogonFailure | undefined {
  if (id !== 4625 && id !== 4776) return undefined;
  const out: LogonFailure = {};
  const st = logonStatusText(status);
  if (st !== undefined) out.status = st;
  if (id === 4625) {
    const sub = logonStatusText(subStatus);
    if (sub !== undefined) out.sub_status = sub;
    const r = logonFailureReasonText(reason);
    if (r !== undefined) out.reason = r;
  }
  return out.status === undefined && out.sub_status === undefined && out.reason === undefined
    ? undefined
    : out;
}
