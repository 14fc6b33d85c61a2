/**
 * Static knowledge the simulator draws on: binaries (PE metadata and stable hashes), popular and CDN domains,
 * cloud-storage endpoints. Hand-written; nothing here is copied from a dataset.
 */
import { hashSeed } from './prng';
import { baseName } from './win_event';

export const SYSTEM32 = 'C:\\Windows\\System32';
export const POWERSHELL_EXE = `${SYSTEM32}\\WindowsPowerShell\\v1.0\\powershell.exe`;
export const CMD_EXE = `${SYSTEM32}\\cmd.exe`;

interface PeInfo {
  description: string;
  company: string;
  product: string;
  original: string;
  version: string;
}

const MS = 'Microsoft Corporation';
const MS_OS = 'Microsoft® Windows® Operating System';
const WINVER = '10.0.19041.1 (WinBuild.160101.0800)';

const PE: Record<string, PeInfo> = {
  'explorer.exe': {
    description: 'Windows Explorer',
    company: MS,
    product: MS_OS,
    original: 'EXPLORER.EXE',
    version: WINVER,
  },
  'cmd.exe': {
    description: 'Windows Command Processor',
    company: MS,
    product: MS_OS,
    original: 'Cmd.Exe',
    version: WINVER,
  },
  'powershell.exe': {
    description: 'Windows PowerShell',
    company: MS,
    product: MS_OS,
    original: 'PowerShell.EXE',
    version: WINVER,
  },
  'svchost.exe': {
    description: 'Host Process for Windows Services',
    company: MS,
    product: MS_OS,
    original: 'svchost.exe',
    version: WINVER,
  },
  'services.exe': {
    description: 'Services and Controller app',
    company: MS,
    product: MS_OS,
    original: 'services.exe',
    version: WINVER,
  },
  'lsass.exe': {
    description: 'Local Security Authority Process',
    company: MS,
    product: MS_OS,
    original: 'lsass.exe',
    version: WINVER,
  },
  'taskhostw.exe': {
    description: 'Host Process for Windows Tasks',
    company: MS,
    product: MS_OS,
    original: 'taskhostw.exe',
    version: WINVER,
  },
  'wmiprvse.exe': {
    description: 'WMI Provider Host',
    company: MS,
    product: MS_OS,
    original: 'Wmiprvse.exe',
    version: WINVER,
  },
  'rundll32.exe': {
    description: 'Windows host process (Rundll32)',
    company: MS,
    product: MS_OS,
    original: 'RUNDLL32.EXE',
    version: WINVER,
  },
  'net.exe': {
    description: 'Net Command',
    company: MS,
    product: MS_OS,
    original: 'net.exe',
    version: WINVER,
  },
  'net1.exe': {
    description: 'Net Command',
    company: MS,
    product: MS_OS,
    original: 'net1.exe',
    version: WINVER,
  },
  'nltest.exe': {
    description: 'Microsoft® Logon Server Test Utility',
    company: MS,
    product: MS_OS,
    original: 'nltestrk.exe',
    version: WINVER,
  },
  'whoami.exe': {
    description: 'whoami - displays logged on user information',
    company: MS,
    product: MS_OS,
    original: 'whoami.exe',
    version: WINVER,
  },
  'ipconfig.exe': {
    description: 'IP Configuration Utility',
    company: MS,
    product: MS_OS,
    original: 'ipconfig.exe',
    version: WINVER,
  },
  'systeminfo.exe': {
    description: 'Displays system information',
    company: MS,
    product: MS_OS,
    original: 'sysinfo.exe',
    version: WINVER,
  },
  'reg.exe': {
    description: 'Registry Console Tool',
    company: MS,
    product: MS_OS,
    original: 'reg.exe',
    version: WINVER,
  },
  'sc.exe': {
    description: 'Service Control Manager Configuration Tool',
    company: MS,
    product: MS_OS,
    original: 'sc.exe',
    version: WINVER,
  },
  'schtasks.exe': {
    description: 'Task Scheduler Configuration Tool',
    company: MS,
    product: MS_OS,
    original: 'schtasks.exe',
    version: WINVER,
  },
  'wmic.exe': {
    description: 'WMI Commandline Utility',
    company: MS,
    product: MS_OS,
    original: 'wmic.exe',
    version: WINVER,
  },
  'fodhelper.exe': {
    description: 'Features On Demand Helper',
    company: MS,
    product: MS_OS,
    original: 'FodHelper.EXE',
    version: WINVER,
  },
  'mstsc.exe': {
    description: 'Remote Desktop Connection',
    company: MS,
    product: MS_OS,
    original: 'mstsc.exe',
    version: WINVER,
  },
  'wsmprovhost.exe': {
    description: 'Host process for WinRM plug-ins',
    company: MS,
    product: MS_OS,
    original: 'wsmprovhost.exe',
    version: WINVER,
  },
  'certutil.exe': {
    description: 'CertUtil.exe',
    company: MS,
    product: MS_OS,
    original: 'CertUtil.exe',
    version: WINVER,
  },
  'robocopy.exe': {
    description: 'Microsoft® Robocopy',
    company: MS,
    product: MS_OS,
    original: 'robocopy.exe',
    version: WINVER,
  },
  'wbadmin.exe': {
    description: 'Command Line Interface for Microsoft® BLB Backup',
    company: MS,
    product: MS_OS,
    original: 'WBADMIN.EXE',
    version: WINVER,
  },
  'msiexec.exe': {
    description: 'Windows® installer',
    company: MS,
    product: 'Windows Installer - Unicode',
    original: 'msiexec.exe',
    version: '5.0.19041.1 (WinBuild.160101.0800)',
  },
  'consent.exe': {
    description: 'Consent UI for administrative applications',
    company: MS,
    product: MS_OS,
    original: 'consent.exe',
    version: WINVER,
  },
  'winword.exe': {
    description: 'Microsoft Word',
    company: MS,
    product: 'Microsoft Office',
    original: 'WinWord.exe',
    version: '16.0.17328.20162',
  },
  'excel.exe': {
    description: 'Microsoft Excel',
    company: MS,
    product: 'Microsoft Office',
    original: 'Excel.exe',
    version: '16.0.17328.20162',
  },
  'outlook.exe': {
    description: 'Microsoft Outlook',
    company: MS,
    product: 'Microsoft Office',
    original: 'Outlook.exe',
    version: '16.0.17328.20162',
  },
  'powerpnt.exe': {
    description: 'Microsoft PowerPoint',
    company: MS,
    product: 'Microsoft Office',
    original: 'POWERPNT.EXE',
    version: '16.0.17328.20162',
  },
  'teams.exe': {
    description: 'Microsoft Teams',
    company: MS,
    product: 'Microsoft Teams',
    original: 'Teams.exe',
    version: '1.7.00.6058',
  },
  'onedrive.exe': {
    description: 'Microsoft OneDrive',
    company: MS,
    product: 'Microsoft OneDrive',
    original: 'OneDrive.exe',
    version: '24.070.0407.0003',
  },
  'msedge.exe': {
    description: 'Microsoft Edge',
    company: MS,
    product: 'Microsoft Edge',
    original: 'msedge.exe',
    version: '124.0.2478.51',
  },
  'microsoftedgeupdate.exe': {
    description: 'Microsoft Edge Update',
    company: MS,
    product: 'Microsoft Edge Update',
    original: 'MicrosoftEdgeUpdate.exe',
    version: '1.3.185.29',
  },
  'chrome.exe': {
    description: 'Google Chrome',
    company: 'Google LLC',
    product: 'Google Chrome',
    original: 'chrome.exe',
    version: '124.0.6367.61',
  },
  'googleupdate.exe': {
    description: 'Google Installer',
    company: 'Google LLC',
    product: 'Google Update',
    original: 'GoogleUpdate.exe',
    version: '1.3.36.372',
  },
  'psexec.exe': {
    description: 'Execute processes remotely',
    company: 'Sysinternals - www.sysinternals.com',
    product: 'Sysinternals PsExec',
    original: 'psexec.c',
    version: '2.43',
  },
  'psexesvc.exe': {
    description: 'PsExec Service',
    company: 'Sysinternals',
    product: 'Sysinternals PsExec',
    original: 'psexesvc.exe',
    version: '2.43',
  },
  '7z.exe': {
    description: '7-Zip Console',
    company: 'Igor Pavlov',
    product: '7-Zip',
    original: '7z.exe',
    version: '23.01',
  },
  'rclone.exe': {
    description: 'Rsync for cloud storage',
    company: 'https://rclone.org',
    product: 'Rclone',
    original: 'rclone.exe',
    version: '1.66.0',
  },
  'veeam.backup.agent.exe': {
    description: 'Veeam Agent',
    company: 'Veeam Software Group GmbH',
    product: 'Veeam Agent for Microsoft Windows',
    original: 'Veeam.Backup.Agent.exe',
    version: '6.1.0.349',
  },
  'ccmexec.exe': {
    description: 'CCM Executive Service',
    company: MS,
    product: 'System Center Configuration Manager',
    original: 'CcmExec.exe',
    version: '5.0.9122.1000',
  },
  'nessusd.exe': {
    description: 'Nessus Scanner',
    company: 'Tenable, Inc.',
    product: 'Nessus',
    original: 'nessusd.exe',
    version: '10.7.2',
  },
  'notepad++.exe': {
    description: 'Notepad++',
    company: 'Don HO don.h@free.fr',
    product: 'Notepad++',
    original: 'notepad++.exe',
    version: '8.6.5',
  },
  'zoom.exe': {
    description: 'Zoom Meetings',
    company: 'Zoom Video Communications, Inc.',
    product: 'Zoom Meetings',
    original: 'Zoom.exe',
    version: '5.17.11',
  },
  'code.exe': {
    description: 'Visual Studio Code',
    company: MS,
    product: 'Visual Studio Code',
    original: 'electron.exe',
    version: '1.88.1',
  },
  'acrord32.exe': {
    description: 'Adobe Acrobat Reader',
    company: 'Adobe Systems Incorporated',
    product: 'Adobe Acrobat Reader',
    original: 'AcroRd32.exe',
    version: '24.2.20687',
  },
  'putty.exe': {
    description: 'SSH, Telnet and Rlogin client',
    company: 'Simon Tatham',
    product: 'PuTTY suite',
    original: 'PuTTY',
    version: '0.81',
  },
  'python.exe': {
    description: 'Python',
    company: 'Python Software Foundation',
    product: 'Python',
    original: 'python.exe',
    version: '3.12.3',
  },
  'sqlservr.exe': {
    description: 'SQL Server Windows NT - 64 Bit',
    company: MS,
    product: 'Microsoft SQL Server',
    original: 'sqlservr.exe',
    version: '2022.160.4115.5',
  },
  'w3wp.exe': {
    description: 'IIS Worker Process',
    company: MS,
    product: 'Internet Information Services',
    original: 'w3wp.exe',
    version: WINVER,
  },
  'mpcmdrun.exe': {
    description: 'Microsoft Malware Protection Command Line Utility',
    company: MS,
    product: MS_OS,
    original: 'MpCmdRun.exe',
    version: '4.18.24030.9',
  },
  'wuauclt.exe': {
    description: 'Windows Update',
    company: MS,
    product: MS_OS,
    original: 'wuauclt.exe',
    version: WINVER,
  },
  'dllhost.exe': {
    description: 'COM Surrogate',
    company: MS,
    product: MS_OS,
    original: 'dllhost.exe',
    version: WINVER,
  },
  'conhost.exe': {
    description: 'Console Window Host',
    company: MS,
    product: MS_OS,
    original: 'CONHOST.EXE',
    version: WINVER,
  },
  'searchprotocolhost.exe': {
    description: 'Microsoft Windows Search Protocol Host',
    company: MS,
    product: MS_OS,
    original: 'SearchProtocolHost.exe',
    version: WINVER,
  },
};

export function peInfo(image: string): PeInfo | undefined {
  return PE[baseName(image).toLowerCase()];
}

const hashCache = new Map<string, string>();

/** Stable hashes for a binary: the same file has the same hash on every host, a renamed tool a different one. */
export function sysmonHashes(image: string): string {
  const key = image.toLowerCase();
  let h = hashCache.get(key);
  if (!h) {
    const hex = (n: number): string => {
      let s = '';
      for (let i = 0; s.length < n; i++) s += hashSeed(key, i).toString(16).padStart(8, '0');
      return s.slice(0, n).toUpperCase();
    };
    h = `SHA1=${hex(40)},MD5=${hex(32)},SHA256=${hex(64)},IMPHASH=${hex(32).split('').reverse().join('')}`;
    hashCache.set(key, h);
  }
  return h;
}

/** Popular sites and the CDNs behind them, with the addresses they resolve to. */
export const POPULAR_DOMAINS: ReadonlyArray<readonly [string, string]> = [
  ['www.google.com', '142.250.185.68'],
  ['www.bing.com', '204.79.197.200'],
  ['login.microsoftonline.com', '20.190.160.20'],
  ['outlook.office365.com', '52.97.146.162'],
  ['teams.microsoft.com', '52.113.194.132'],
  ['www.office.com', '13.107.6.156'],
  ['ocsp.digicert.com', '192.229.211.108'],
  ['ctldl.windowsupdate.com', '93.184.221.240'],
  ['settings-win.data.microsoft.com', '20.42.65.92'],
  ['v10.events.data.microsoft.com', '13.89.179.12'],
  ['edge.microsoft.com', '13.107.21.239'],
  ['clients2.google.com', '142.250.74.110'],
  ['update.googleapis.com', '142.250.184.227'],
  ['fonts.gstatic.com', '142.250.185.99'],
  ['ajax.googleapis.com', '142.250.186.42'],
  ['cdn.jsdelivr.net', '151.101.1.229'],
  ['d1.awsstatic.com', '18.66.147.21'],
  ['static.xx.fbcdn.net', '157.240.17.14'],
  ['img-s-msn-com.akamaized.net', '23.54.112.41'],
  ['a1834.dspg2.akamai.net', '23.54.112.42'],
  ['www.linkedin.com', '13.107.42.14'],
  ['github.com', '140.82.121.4'],
  ['objects.githubusercontent.com', '185.199.108.133'],
  ['zoom.us', '170.114.52.2'],
  ['acroipm2.adobe.com', '23.48.181.75'],
  ['www.wikipedia.org', '185.15.59.224'],
  ['news.ycombinator.com', '209.216.230.207'],
  ['slack.com', '3.164.206.55'],
  ['api.weather.com', '23.51.121.30'],
  ['www.salesforce.com', '104.109.11.164'],
];

/** Cloud storage used both by the backup trap (legitimately) and by exfiltration campaigns. */
export const CLOUD_STORAGE: ReadonlyArray<readonly [string, string]> = [
  ['s3.eu-central-1.amazonaws.com', '52.219.170.90'],
  ['corpbackup.blob.core.windows.net', '20.60.204.33'],
  ['www.dropbox.com', '162.125.69.18'],
  ['content.dropboxapi.com', '162.125.69.14'],
  ['mega.nz', '31.216.145.5'],
  ['transfer.sh', '144.76.136.153'],
];

export const UPDATE_DOMAINS: ReadonlyArray<readonly [string, string]> = [
  ['update.googleapis.com', '142.250.184.227'],
  ['msedge.b.tlu.dl.delivery.mp.microsoft.com', '199.232.210.172'],
  ['oneclient.sfx.ms', '23.216.81.152'],
  ['armmf.adobe.com', '23.48.181.80'],
];
