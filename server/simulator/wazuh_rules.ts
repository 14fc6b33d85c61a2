/**
 * The Wazuh 4.x rules (ids, levels, groups, descriptions, MITRE ids as in wazuh/wazuh ruleset/rules at 4.14) that
 * fire for the events the simulator produces. A small decision list per event id stands in for analysisd's rule
 * tree: the most specific rule that real Wazuh would report wins; events whose only match is a level-0 grouping rule
 * produce no alert, as on a real manager (log_alert_level 3).
 */
import { SECURITY, SYSMON, SYSTEM, POWERSHELL, WinEvent } from './win_event';

export interface WazuhRule {
  id: string;
  level: number;
  description: string;
  groups: string[];
  mitre?: string[];
  compliance?: Record<string, string[]>;
}

/** Technique names and tactics (ATT&CK v18.1) for the ids these rules carry. */
export const MITRE: Record<string, [string, string[]]> = {
  'T1560.001': ['Archive via Utility', ['Collection']],
  T1047: ['Windows Management Instrumentation', ['Execution']],
  'T1548.002': ['Bypass User Account Control', ['Privilege Escalation', 'Defense Evasion']],
  'T1003.002': ['Security Account Manager', ['Credential Access']],
  'T1543.003': ['Windows Service', ['Persistence', 'Privilege Escalation']],
  T1135: ['Network Share Discovery', ['Discovery']],
  T1082: ['System Information Discovery', ['Discovery']],
  T1053: ['Scheduled Task/Job', ['Execution', 'Persistence', 'Privilege Escalation']],
  T1140: ['Deobfuscate/Decode Files or Information', ['Defense Evasion']],
  'T1021.002': ['SMB/Windows Admin Shares', ['Lateral Movement']],
  T1112: ['Modify Registry', ['Persistence', 'Defense Evasion']],
  'T1021.006': ['Windows Remote Management', ['Lateral Movement']],
  'T1003.001': ['LSASS Memory', ['Credential Access']],
  T1087: ['Account Discovery', ['Discovery']],
  T1059: ['Command and Scripting Interpreter', ['Execution']],
  T1070: ['Indicator Removal', ['Defense Evasion']],
  T1102: ['Web Service', ['Command and Control']],
  'T1059.001': ['PowerShell', ['Execution']],
  'T1547.001': ['Registry Run Keys / Startup Folder', ['Persistence', 'Privilege Escalation']],
  T1078: ['Valid Accounts', ['Initial Access', 'Persistence', 'Privilege Escalation', 'Defense Evasion']],
  'T1567.002': ['Exfiltration to Cloud Storage', ['Exfiltration']],
  'T1078.002': [
    'Domain Accounts',
    ['Initial Access', 'Persistence', 'Privilege Escalation', 'Defense Evasion'],
  ],
  'T1059.003': ['Windows Command Shell', ['Execution']],
  'T1550.002': ['Pass the Hash', ['Defense Evasion', 'Lateral Movement']],
  T1105: ['Ingress Tool Transfer', ['Command and Control']],
  'T1021.001': ['Remote Desktop Protocol', ['Lateral Movement']],
  T1484: ['Domain or Tenant Policy Modification', ['Privilege Escalation', 'Defense Evasion']],
  'T1569.002': ['Service Execution', ['Execution']],
  T1531: ['Account Access Removal', ['Impact']],
};

const LOGON_COMPLIANCE = {
  pci_dss: ['10.2.5'],
  gpg13: ['7.1', '7.2'],
  gdpr: ['IV_32.2'],
  hipaa: ['164.312.b'],
  nist_800_53: ['AU.14', 'AC.7'],
  tsc: ['CC6.8', 'CC7.2', 'CC7.3'],
};
const SYSMON1 = ['sysmon', 'sysmon_eid1_detections', 'windows'];
const SYSMON3 = ['sysmon', 'sysmon_eid3_detections', 'windows'];
const SYSMON10 = ['sysmon', 'sysmon_eid10_detections', 'windows'];
const SYSMON11 = ['sysmon', 'sysmon_eid11_detections', 'windows'];
const SYSMON13 = ['sysmon', 'sysmon_eid13_detections', 'windows'];
const WEF = ['windows', ' WEF']; // the leading space is upstream's (wazuh/wazuh#25229)
const POWERSHELL_GROUPS = ['windows', ' powershell'];

/** Values as Wazuh prints them in descriptions filled from fields: backslashes doubled. */
function dbl(v: string | undefined): string {
  return (v ?? '').replace(/\\/g, '\\\\');
}

const lower = (v: string | undefined): string => (v ?? '').toLowerCase();
const PS = /\\(powershell|pwsh)\.exe$/;

function sysmonProcess(d: Record<string, string>): WazuhRule | undefined {
  const image = lower(d.Image);
  const parent = lower(d.ParentImage);
  const cmd = lower(d.CommandLine);
  if (parent.endsWith('\\psexesvc.exe'))
    return {
      id: '92068',
      level: 3,
      description: `PSEXEC was used to execute: ${dbl(d.CommandLine)}`,
      groups: SYSMON1,
      mitre: ['T1569.002'],
    };
  if (parent.endsWith('\\fodhelper.exe'))
    return {
      id: '92046',
      level: 12,
      description: 'Possible use of fodhelper.exe used to bypass UAC and execute of malicious software',
      groups: SYSMON1,
      mitre: ['T1548.002'],
    };
  if (PS.test(image) && parent.endsWith('\\wmiprvse.exe') && /-e(nc|ncodedcommand)?\s/.test(cmd))
    return {
      id: '92071',
      level: 12,
      description: 'A powershell process created by WMI executed a base64 encoded command',
      groups: SYSMON1,
      mitre: ['T1047', 'T1059.001'],
    };
  if (image.endsWith('\\reg.exe') && / save hklm\\(sam|system|security)/.test(cmd))
    return {
      id: '92026',
      level: 14,
      description: 'Reg.exe used to dump SAM hive',
      groups: SYSMON1,
      mitre: ['T1003.002'],
    };
  if (image.endsWith('\\certutil.exe') && cmd.includes('-decode'))
    return {
      id: '92018',
      level: 13,
      description: 'CertUtil.exe used to decode binary file',
      groups: SYSMON1,
      mitre: ['T1140'],
    };
  if (PS.test(parent) && /\\(rar|7z|7za)\.exe$/.test(image) && / a /.test(cmd))
    return {
      id: '92067',
      level: 6,
      description: `${dbl(d.Image)} launched by ${dbl(d.ParentImage)} executed a compressed file creation command`,
      groups: SYSMON1,
      mitre: ['T1560.001'],
    };
  if (PS.test(parent) && image.endsWith('\\net.exe') && cmd.includes('https://'))
    return {
      id: '92038',
      level: 12,
      description: `A connection to cloud resource was started by ${dbl(d.ParentImage)}`,
      groups: SYSMON1,
      mitre: ['T1102', 'T1567.002'],
    };
  if (image.endsWith('\\net.exe') && cmd.includes('/domain'))
    return {
      id: '92035',
      level: 3,
      description: 'A net.exe domain discovery command was executed',
      groups: SYSMON1,
      mitre: ['T1135', 'T1059.003'],
    };
  if (/\\(systeminfo|net)\.exe$/.test(image) && /systeminfo|config workstation/.test(cmd))
    return {
      id: '92080',
      level: 7,
      description: 'System information discovery activity detected',
      groups: SYSMON1,
      mitre: ['T1082', 'T1047'],
    };
  if (PS.test(parent) && PS.test(image) && /-e(nc|ncodedcommand)?\s/.test(cmd))
    return {
      id: '92057',
      level: 12,
      description: 'Powershell.exe spawned a powershell process which executed a base64 encoded command',
      groups: SYSMON1,
      mitre: ['T1059.001'],
    };
  if (PS.test(parent) && image.endsWith('\\cmd.exe'))
    return {
      id: '92004',
      level: 4,
      description: 'Powershell process spawned Windows command shell instance',
      groups: SYSMON1,
      mitre: ['T1059.003'],
    };
  if (parent.endsWith('\\cmd.exe') && (image.includes('\\appdata\\') || image.includes('\\users\\public\\')))
    return {
      id: '92032',
      level: 3,
      description: 'Suspicious Windows cmd shell execution',
      groups: SYSMON1,
      mitre: ['T1087', 'T1059.003'],
    };
  return undefined;
}

function sysmonNetwork(d: Record<string, string>): WazuhRule | undefined {
  if (d.DestinationPort === '5985' || d.DestinationPort === '5986')
    return {
      id: '92110',
      level: 4,
      description: `Detected WinRM activity from ${d.SourceIp} to ${d.DestinationIp}`,
      groups: SYSMON3,
      mitre: ['T1021.006'],
    };
  if (d.Image === 'System' && d.DestinationPort === '445')
    return {
      id: '92106',
      level: 3,
      description:
        'Windows System process activity over SMB port - Possible suspicious access to Windows admin shares',
      groups: SYSMON3,
      mitre: ['T1021.002'],
    };
  return undefined;
}

function sysmonFile(d: Record<string, string>): WazuhRule | undefined {
  const target = lower(d.TargetFilename);
  const image = lower(d.Image);
  if (target.startsWith('c:\\users\\public\\') && /\.(exe|dll|vbs|ps1|bat)$/.test(target))
    return {
      id: '92207',
      level: 12,
      description: 'Executable file dropped in Users\\Public folder',
      groups: SYSMON11,
      mitre: ['T1105'],
    };
  if (target.startsWith('c:\\users\\public\\') && /\.(7z|zip|rar)$/.test(target))
    return {
      id: '92210',
      level: 6,
      description: 'Suspicious file compression activity in Users\\Public folder',
      groups: SYSMON11,
      mitre: ['T1105'],
    };
  if (PS.test(image) && target.includes('\\appdata\\local\\temp\\') && target.endsWith('.exe'))
    return {
      id: '92213',
      level: 15,
      description: 'Executable file dropped in folder commonly used by malware',
      groups: SYSMON11,
      mitre: ['T1105'],
    };
  if (PS.test(image) && target.includes('\\appdata\\') && target.endsWith('.exe'))
    return {
      id: '92204',
      level: 9,
      description: 'Powershell process created executable file in AppData temp folder',
      groups: SYSMON11,
      mitre: ['T1105'],
    };
  return undefined;
}

function sysmonRegistry(d: Record<string, string>): WazuhRule | undefined {
  const target = lower(d.TargetObject);
  const details = lower(d.Details);
  if (target.includes('\\ms-settings\\shell\\open\\command')) {
    if (/cmd\.exe|powershell/.test(details))
      return {
        id: '92305',
        level: 12,
        description:
          'Command interpreter added to registry key associated to UAC bypass by auto-elevated processes',
        groups: SYSMON13,
        mitre: ['T1548.002', 'T1112'],
      };
    return {
      id: '92306',
      level: 12,
      description: `${dbl(d.Image)} added to the registry a subkey associated with UAC bypass by auto-elevated processes`,
      groups: SYSMON13,
      mitre: ['T1548.002', 'T1112'],
    };
  }
  if (target.includes('\\currentversion\\run\\')) {
    if (/\.(vbs|js|ps1|bat|hta)$/.test(details) || details.includes('\\users\\public\\'))
      return {
        id: '92301',
        level: 12,
        description: 'Suspicious file extension detected in registry ASEP to be executed on next logon',
        groups: SYSMON13,
        mitre: ['T1547.001'],
      };
    if (lower(d.Image).endsWith('\\reg.exe'))
      return {
        id: '92302',
        level: 6,
        description:
          'Registry entry to be executed on next logon was modified using command line application reg.exe',
        groups: SYSMON13,
        mitre: ['T1547.001'],
      };
    return undefined;
  }
  if (/^hklm\\system\\currentcontrolset\\services\\[^\\]+\\imagepath$/.test(target))
    return {
      id: '92307',
      level: 3,
      description: `Evidence of new service creation found in registry under ${dbl(d.TargetObject)} binary is: ${dbl(d.Details)}`,
      groups: SYSMON13,
      mitre: ['T1543.003'],
    };
  return undefined;
}

function logonRule(d: Record<string, string>): WazuhRule | undefined {
  const type = d.LogonType;
  if (type === '10')
    return {
      id: '92653',
      level: 3,
      description: `User: ${d.TargetDomainName}\\${d.TargetUserName} logged using Remote Desktop Connection (RDP) from ip:${d.IpAddress}.`,
      groups: ['win_evt_channel', 'windows'],
      mitre: ['T1021.001', 'T1078.002'],
    };
  if (
    type === '3' &&
    d.AuthenticationPackageName === 'NTLM' &&
    d.TargetUserName !== 'ANONYMOUS LOGON' &&
    !d.TargetUserName.endsWith('$')
  ) {
    return {
      id: '92652',
      level: 6,
      description: `Successful Remote Logon Detected - User:\\${d.TargetUserName} - NTLM authentication, possible pass-the-hash attack.`,
      groups: ['win_evt_channel', 'windows', 'authentication_success'],
      mitre: ['T1550.002', 'T1078.002'],
      compliance: LOGON_COMPLIANCE,
    };
  }
  if (type === '2' || type === '7' || type === '11')
    return { id: '67022', level: 3, description: 'Non network or service local logon.', groups: WEF };
  return {
    id: '60106',
    level: 3,
    description: 'Windows Logon Success',
    groups: ['windows', 'windows_security', 'authentication_success'],
    mitre: ['T1078'],
    compliance: LOGON_COMPLIANCE,
  };
}

function powershellRule(d: Record<string, string>): WazuhRule | undefined {
  const text = lower(d.ScriptBlockText);
  if (text.includes('invoke-command'))
    return {
      id: '91823',
      level: 14,
      description: 'Powershell script used "Invoke-command" cmdlet to execute code on remote computer',
      groups: POWERSHELL_GROUPS,
      mitre: ['T1059.001', 'T1021.006'],
    };
  if (text.includes('compress-archive'))
    return {
      id: '91825',
      level: 4,
      description: 'Powershell executed file compression',
      groups: POWERSHELL_GROUPS,
      mitre: ['T1560.001'],
    };
  if (text.includes('frombase64string'))
    return {
      id: '91809',
      level: 10,
      description: 'Powershell script may be using Base64 decoding method',
      groups: POWERSHELL_GROUPS,
      mitre: ['T1140'],
    };
  return undefined;
}

/** The rule a Wazuh 4.x manager would report for this event, or undefined when it writes no alert. */
export function matchRule(ev: WinEvent): WazuhRule | undefined {
  const d = ev.data;
  if (ev.channel === SECURITY) {
    switch (ev.eventId) {
      case 4624:
        return logonRule(d);
      case 4625:
        return {
          id: '60122',
          level: 5,
          description: 'Logon Failure - Unknown user or bad password',
          groups: ['windows', 'windows_security', 'win_authentication_failed'],
          mitre: ['T1531'],
          compliance: LOGON_COMPLIANCE,
        };
      case 4634:
        return d.TargetUserName.endsWith('$')
          ? undefined
          : { id: '67023', level: 3, description: 'Non service account logged off.', groups: WEF };
      case 4672:
        return d.SubjectUserSid === 'S-1-5-18'
          ? undefined
          : {
              id: '67028',
              level: 3,
              description: 'Special privileges assigned to new logon.',
              groups: WEF,
              mitre: ['T1484'],
            };
      case 4688:
        return { id: '67027', level: 3, description: 'A process was created.', groups: WEF };
      case 4698:
        return {
          id: '60228',
          level: 4,
          description: 'A scheduled task was created',
          groups: ['windows', 'windows_security', 'ipsec'],
          mitre: ['T1053'],
        };
      case 5140:
        return {
          id: '67017',
          level: 3,
          description: 'A network share was accessed.',
          groups: WEF,
          mitre: ['T1021.002'],
        };
      case 1102:
        return {
          id: '63103',
          level: 5,
          description: 'The audit log was cleared',
          groups: ['windows', 'windows_logs', 'log_clearing_auditlog'],
          mitre: ['T1070'],
          compliance: { gpg13: ['10.1'], gdpr: ['II_5.1.f', 'IV_30.1.g'] },
        };
      default:
        return undefined; // 4648, 4697, 4768, 4769, 4776: no default alert at log_alert_level 3
    }
  }
  if (ev.channel === SYSTEM && ev.eventId === 7045) {
    if (/^%systemroot%\\[^\\]+\.exe$/i.test(d.ImagePath) || /^c:\\windows\\[^\\]+\.exe$/i.test(d.ImagePath)) {
      return {
        id: '92650',
        level: 12,
        description:
          'New Windows Service Created to start from windows root path. Suspicious event as the binary may have been dropped using Windows Admin Shares.',
        groups: ['win_evt_channel', 'windows'],
        mitre: ['T1021.002', 'T1569.002'],
      };
    }
    return {
      id: '61138',
      level: 5,
      description: 'New Windows Service Created',
      groups: ['windows', 'windows_system'],
      mitre: ['T1543.003'],
    };
  }
  if (ev.channel === SYSMON) {
    switch (ev.eventId) {
      case 1:
        return sysmonProcess(d);
      case 3:
        return sysmonNetwork(d);
      case 10:
        if (
          lower(d.TargetImage).endsWith('\\lsass.exe') &&
          /^0x(1010|1410|1fffff|40|1438)$/i.test(d.GrantedAccess)
        ) {
          return {
            id: '92900',
            level: 12,
            description: `Lsass process was accessed by ${dbl(d.SourceImage)} with read permissions, possible credential dump`,
            groups: SYSMON10,
            mitre: ['T1003.001'],
          };
        }
        return undefined;
      case 11:
        return sysmonFile(d);
      case 13:
        return sysmonRegistry(d);
      default:
        return undefined; // 7 and 22 only match level-0 grouping rules (61609, 61650)
    }
  }
  if (ev.channel === POWERSHELL) return powershellRule(d);
  return undefined;
}
