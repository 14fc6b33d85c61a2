/**
 * The simulated organisation: hosts, users, roles, working hours, software. Built only from the seed and the host
 * count, so the same arguments always describe the same company.
 */
import { Prng } from './prng';

export type HostRole = 'workstation' | 'server' | 'dc' | 'jump' | 'file' | 'backup' | 'deploy' | 'scanner';
export type Collector = 'winlogbeat' | 'wazuh';
export type UserKind = 'user' | 'admin' | 'service';

export interface Office {
  name: string;
  /** Fixed UTC offset in minutes (daylight saving is not modelled). */
  utcOffsetMin: number;
  subnet: string; // first three octets, e.g. '10.20.1'
}

export interface SimHost {
  index: number;
  name: string; // NetBIOS name, upper case
  fqdn: string;
  role: HostRole;
  ip: string;
  mac: string;
  hostId: string; // host.id (machine GUID)
  os: { name: string; version: string; build: string; kernel: string };
  office: Office;
  /** Which collector ships this host's events when the output format is "mixed". */
  collector: Collector;
  /** Wazuh agent id ("001"...), as the manager assigns them. */
  agentId: string;
  /** Primary user index for workstations. */
  primaryUser?: number;
  software: string[];
  /** Servers and DCs audit process creation (4688) as well as Sysmon 1. */
  audits4688: boolean;
}

export interface SimUser {
  index: number;
  name: string; // sAMAccountName
  fullName: string;
  sid: string;
  kind: UserKind;
  office: Office;
  workStartHour: number; // local time
  workEndHour: number;
  /** Workstation index for ordinary users; admins work from their own workstation and the jump host. */
  workstation?: number;
  /** For admins: the everyday account they also own. */
  everydayUser?: number;
  /** For service accounts: servicePrincipalName, the Kerberoasting target. */
  spn?: string;
}

export interface Organisation {
  seed: number;
  netbiosDomain: string;
  dnsDomain: string;
  domainSid: string;
  offices: Office[];
  hosts: SimHost[];
  users: SimUser[];
  dcs: number[];
  fileServers: number[];
  servers: number[];
  workstations: number[];
  jumpHost: number;
  backupServer: number;
  deployServer: number;
  scannerHost: number;
  admins: number[];
  serviceAccounts: number[];
}

const FIRST = [
  'anna',
  'ben',
  'carla',
  'david',
  'elena',
  'felix',
  'grace',
  'henrik',
  'ines',
  'jonas',
  'kate',
  'liam',
  'maria',
  'noah',
  'olga',
  'paul',
  'quinn',
  'rosa',
  'sam',
  'tara',
  'umar',
  'vera',
  'will',
  'xenia',
  'yusuf',
  'zoe',
];
const LAST = [
  'schmidt',
  'miller',
  'nguyen',
  'garcia',
  'kowalski',
  'tanaka',
  'okafor',
  'rossi',
  'dubois',
  'larsen',
  'novak',
  'silva',
  'fischer',
  'jensen',
  'murphy',
  'singh',
  'weber',
  'costa',
  'berg',
  'lopez',
];

const OFFICES: Office[] = [
  { name: 'berlin', utcOffsetMin: 60, subnet: '10.20.1' },
  { name: 'newyork', utcOffsetMin: -300, subnet: '10.30.1' },
  { name: 'singapore', utcOffsetMin: 480, subnet: '10.40.1' },
];

const WORKSTATION_OS = {
  name: 'Windows 10 Enterprise',
  version: '10.0',
  build: '19045.4291',
  kernel: '10.0.19041.4291 (WinBuild.160101.0800)',
};
const WIN11_OS = {
  name: 'Windows 11 Enterprise',
  version: '10.0',
  build: '22631.3447',
  kernel: '10.0.22621.3447 (WinBuild.160101.0800)',
};
const SERVER_OS = {
  name: 'Windows Server 2022 Datacenter',
  version: '10.0',
  build: '20348.2402',
  kernel: '10.0.20348.2402 (WinBuild.160101.0800)',
};

/** Optional desktop software; Office, a browser and the updaters are on every workstation. */
const OPTIONAL_SOFTWARE = ['7zip', 'notepad++', 'zoom', 'vscode', 'acrobat', 'putty', 'python'];

export const MIN_HOSTS = 12;

export function buildOrganisation(seed: number, hostCount: number): Organisation {
  if (!Number.isInteger(hostCount) || hostCount < MIN_HOSTS) {
    throw new Error(`the organisation needs at least ${MIN_HOSTS} hosts (got ${hostCount})`);
  }
  const rng = Prng.derive(seed, 'org');
  const netbiosDomain = 'CORP';
  const dnsDomain = 'corp.example.com';
  const domainSid = `S-1-5-21-${rng.int(1000000000, 3999999999)}-${rng.int(1000000000, 3999999999)}-${rng.int(100000000, 999999999)}`;
  let rid = 1100;

  const dcCount = hostCount >= 100 ? 3 : 2;
  const fileCount = Math.max(1, Math.round(hostCount / 80));
  const appCount = Math.max(2, Math.round(hostCount / 40));
  const roles: HostRole[] = [];
  for (let i = 0; i < dcCount; i++) roles.push('dc');
  for (let i = 0; i < fileCount; i++) roles.push('file');
  roles.push('jump', 'backup', 'deploy', 'scanner');
  for (let i = 0; i < appCount; i++) roles.push('server');
  while (roles.length < hostCount) roles.push('workstation');

  const counters: Record<string, number> = {};
  const hosts: SimHost[] = roles.map((role, index) => {
    const prefix = {
      dc: 'DC',
      file: 'FS',
      jump: 'JUMP',
      backup: 'BKP',
      deploy: 'SCCM',
      scanner: 'SCAN',
      server: 'APP',
      workstation: 'WS',
    }[role];
    counters[prefix] = (counters[prefix] ?? 0) + 1;
    const name = `${prefix}${String(counters[prefix]).padStart(role === 'workstation' ? 4 : 2, '0')}`;
    // Servers sit in the first office's data centre; workstations spread over the offices.
    const office = role === 'workstation' ? OFFICES[index % OFFICES.length] : OFFICES[0];
    const octet = role === 'workstation' ? 20 + Math.floor(index / OFFICES.length) : 5 + index;
    const subnetParts = office.subnet.split('.');
    const third = Number(subnetParts[2]) + (role === 'workstation' ? 10 + Math.floor(octet / 250) : 0);
    const ip = `${subnetParts[0]}.${subnetParts[1]}.${third}.${(octet % 250) + 2}`;
    const software = role === 'workstation' ? OPTIONAL_SOFTWARE.filter(() => rng.chance(0.35)) : [];
    return {
      index,
      name,
      fqdn: `${name.toLowerCase()}.${dnsDomain}`,
      role,
      ip,
      mac: ['00', '50', '56', rng.hex(2), rng.hex(2), rng.hex(2)].join('-').toUpperCase(),
      hostId: rng.guid().slice(1, -1),
      os: role === 'workstation' ? (rng.chance(0.3) ? WIN11_OS : WORKSTATION_OS) : SERVER_OS,
      office,
      // Most hosts ship through Winlogbeat; a third of them (and one DC) run the Wazuh agent instead.
      collector: index === 1 || (role === 'workstation' && index % 3 === 0) ? 'wazuh' : 'winlogbeat',
      agentId: String(index + 1).padStart(3, '0'),
      software,
      audits4688: role !== 'workstation',
    };
  });

  const users: SimUser[] = [];
  const used = new Set<string>();
  const personName = (): { name: string; fullName: string } => {
    for (;;) {
      const f = rng.pick(FIRST);
      const l = rng.pick(LAST);
      let name = `${f[0]}${l}`;
      let n = 2;
      while (used.has(name)) name = `${f[0]}${l}${n++}`;
      used.add(name);
      return { name, fullName: `${f[0].toUpperCase()}${f.slice(1)} ${l[0].toUpperCase()}${l.slice(1)}` };
    }
  };
  for (const host of hosts) {
    if (host.role !== 'workstation') continue;
    const p = personName();
    const start = rng.int(7, 9);
    users.push({
      index: users.length,
      ...p,
      sid: `${domainSid}-${rid++}`,
      kind: 'user',
      office: host.office,
      workStartHour: start,
      workEndHour: start + rng.int(8, 10),
      workstation: host.index,
    });
    host.primaryUser = users.length - 1;
  }
  const adminCount = Math.max(2, Math.round(hostCount / 25));
  const admins: number[] = [];
  for (let i = 0; i < adminCount && i < users.length; i++) {
    const everyday = users[(i * 3) % users.length];
    users.push({
      index: users.length,
      name: `adm-${everyday.name}`,
      fullName: `${everyday.fullName} (admin)`,
      sid: `${domainSid}-${rid++}`,
      kind: 'admin',
      office: everyday.office,
      workStartHour: everyday.workStartHour,
      workEndHour: everyday.workEndHour,
      workstation: everyday.workstation,
      everydayUser: everyday.index,
    });
    admins.push(users.length - 1);
  }
  const serviceAccounts: number[] = [];
  for (const [name, spn] of [
    ['svc-backup', 'backup/bkp01'],
    ['svc-sql', 'MSSQLSvc/app01:1433'],
    ['svc-sccm', 'HTTP/sccm01'],
    ['svc-scan', 'HOST/scan01'],
    ['svc-web', 'HTTP/app02'],
  ] as const) {
    users.push({
      index: users.length,
      name,
      fullName: name,
      sid: `${domainSid}-${rid++}`,
      kind: 'service',
      office: OFFICES[0],
      workStartHour: 0,
      workEndHour: 24,
      spn: `${spn}.${dnsDomain}`,
    });
    serviceAccounts.push(users.length - 1);
  }

  const byRole = (r: HostRole): number[] => hosts.filter((h) => h.role === r).map((h) => h.index);
  return {
    seed,
    netbiosDomain,
    dnsDomain,
    domainSid,
    offices: OFFICES,
    hosts,
    users,
    dcs: byRole('dc'),
    fileServers: byRole('file'),
    servers: hosts.filter((h) => h.role !== 'workstation').map((h) => h.index),
    workstations: byRole('workstation'),
    jumpHost: byRole('jump')[0],
    backupServer: byRole('backup')[0],
    deployServer: byRole('deploy')[0],
    scannerHost: byRole('scanner')[0],
    admins,
    serviceAccounts,
  };
}

/** Local hour (0-23, fractional) and weekday (0 Sunday) of a UTC instant in an office. */
export function localTime(tsMs: number, office: Office): { hour: number; weekday: number } {
  const d = new Date(tsMs + office.utcOffsetMin * 60000);
  return { hour: d.getUTCHours() + d.getUTCMinutes() / 60, weekday: d.getUTCDay() };
}

export function isWorkingTime(tsMs: number, user: SimUser): boolean {
  const { hour, weekday } = localTime(tsMs, user.office);
  return weekday >= 1 && weekday <= 5 && hour >= user.workStartHour && hour < user.workEndHour;
}
