/**
 * What Windows and Winlogbeat add around EventData before any pipeline runs: task names, versions, provider
 * GUIDs, keywords, the rendered message, and the Beats agent/host blocks. Shared by all renderers.
 */
import type { Organisation, SimHost } from './org';
import { hashSeed } from './prng';
import { POWERSHELL, SECURITY, SYSMON, SYSTEM, WinEvent } from './win_event';

export const WINLOGBEAT_VERSION = '8.17.0';

/** Provider name of an event (1102 comes from the Eventlog provider even though it sits in Security). */
export function providerName(ev: WinEvent): string {
  if (ev.channel === SECURITY)
    return ev.eventId === 1102 ? 'Microsoft-Windows-Eventlog' : 'Microsoft-Windows-Security-Auditing';
  if (ev.channel === SYSMON) return 'Microsoft-Windows-Sysmon';
  if (ev.channel === SYSTEM) return 'Service Control Manager';
  return 'Microsoft-Windows-PowerShell';
}

export function providerGuid(ev: WinEvent): string {
  if (ev.channel === SECURITY)
    return ev.eventId === 1102
      ? '{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}'
      : '{54849625-5478-4994-a5ba-3e3b0328c30d}';
  if (ev.channel === SYSMON) return '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}';
  if (ev.channel === SYSTEM) return '{555908d1-a6d7-4695-8e1e-26931d2012f4}';
  return '{a0c1853b-5c40-4b15-8766-3cf1c58f985a}';
}

/** Task (category) names, which Winlogbeat copies to event.action before the pipeline. */
const TASKS: Record<string, string> = {
  'Security:4624': 'Logon',
  'Security:4625': 'Logon',
  'Security:4634': 'Logoff',
  'Security:4648': 'Logon',
  'Security:4672': 'Special Logon',
  'Security:4688': 'Process Creation',
  'Security:4697': 'Security System Extension',
  'Security:4698': 'Other Object Access Events',
  'Security:4768': 'Kerberos Authentication Service',
  'Security:4769': 'Kerberos Service Ticket Operations',
  'Security:4776': 'Credential Validation',
  'Security:5140': 'File Share',
  'Security:5145': 'Detailed File Share',
  'Security:1102': 'Log clear',
  [`${SYSMON}:1`]: 'Process Create (rule: ProcessCreate)',
  [`${SYSMON}:3`]: 'Network connection detected (rule: NetworkConnect)',
  [`${SYSMON}:7`]: 'Image loaded (rule: ImageLoad)',
  [`${SYSMON}:10`]: 'Process accessed (rule: ProcessAccess)',
  [`${SYSMON}:11`]: 'File created (rule: FileCreate)',
  [`${SYSMON}:13`]: 'Registry value set (rule: RegistryEvent)',
  [`${SYSMON}:22`]: 'Dns query (rule: DnsQuery)',
  [`${POWERSHELL}:4104`]: 'Execute a Remote Command',
};

export function taskName(ev: WinEvent): string | undefined {
  return TASKS[`${ev.channel}:${ev.eventId}`];
}

/** Numeric task ids as Wazuh's eventchannel decoder reports them (data.win.system.task). */
const TASK_IDS: Record<number, string> = {
  4624: '12544',
  4625: '12544',
  4634: '12545',
  4648: '12544',
  4672: '12548',
  4688: '13312',
  4697: '12289',
  4698: '12804',
  4768: '14339',
  4769: '14337',
  4776: '14336',
  5140: '12808',
  5145: '12811',
  1102: '104',
};

export function taskId(ev: WinEvent): string {
  if (ev.channel === SYSMON) return String(ev.eventId);
  if (ev.channel === SYSTEM) return '0';
  if (ev.channel === POWERSHELL) return '2';
  return TASK_IDS[ev.eventId] ?? '0';
}

const VERSIONS: Record<string, number> = {
  'Security:4624': 2,
  'Security:4688': 2,
  'Security:5140': 1,
  'Security:4698': 1,
  [`${SYSMON}:1`]: 5,
  [`${SYSMON}:3`]: 5,
  [`${SYSMON}:7`]: 3,
  [`${SYSMON}:10`]: 3,
  [`${SYSMON}:11`]: 2,
  [`${SYSMON}:13`]: 2,
  [`${SYSMON}:22`]: 5,
  [`${POWERSHELL}:4104`]: 1,
};

export function eventVersion(ev: WinEvent): number {
  return VERSIONS[`${ev.channel}:${ev.eventId}`] ?? 0;
}

/** ISO timestamp with Windows' 100 ns precision (7 fractional digits), as Security events carry. */
export function isoTicks(ev: WinEvent): string {
  const iso = new Date(ev.ts).toISOString();
  return `${iso.slice(0, 23)}${String(ev.sub).padStart(4, '0')}Z`;
}

/** Event-log writer process: lsass for Security, Sysmon64 for Sysmon, and so on (stable per host). */
export function writerPid(ev: WinEvent, seed: number): { pid: number; thread: number } {
  const base = hashSeed(seed, ev.host, ev.channel);
  return { pid: 400 + (base % 900) * 4, thread: 100 + (hashSeed(base, ev.sub) % 2000) * 4 };
}

const TITLES: Record<string, string> = {
  'Security:4624': 'An account was successfully logged on.',
  'Security:4625': 'An account failed to log on.',
  'Security:4634': 'An account was logged off.',
  'Security:4648': 'A logon was attempted using explicit credentials.',
  'Security:4672': 'Special privileges assigned to new logon.',
  'Security:4688': 'A new process has been created.',
  'Security:4697': 'A service was installed in the system.',
  'Security:4698': 'A scheduled task was created.',
  'Security:4768': 'A Kerberos authentication ticket (TGT) was requested.',
  'Security:4769': 'A Kerberos service ticket was requested.',
  'Security:4776': 'The computer attempted to validate the credentials for an account.',
  'Security:5140': 'A network share object was accessed.',
  'Security:5145': 'A network share object was checked to see whether client can be granted desired access.',
  'Security:1102': 'The audit log was cleared.',
  'System:7045': 'A service was installed in the system.',
  [`${SYSMON}:1`]: 'Process Create:',
  [`${SYSMON}:3`]: 'Network connection detected:',
  [`${SYSMON}:7`]: 'Image loaded:',
  [`${SYSMON}:10`]: 'Process accessed:',
  [`${SYSMON}:11`]: 'File created:',
  [`${SYSMON}:13`]: 'Registry value set:',
  [`${SYSMON}:22`]: 'Dns query:',
  [`${POWERSHELL}:4104`]: 'Creating Scriptblock text (1 of 1):',
};

/**
 * The rendered message. Sysmon renders "Name: value" lines exactly like this; Security messages are shortened to
 * the title plus the event's fields (the real text adds fixed explanatory paragraphs that carry no data).
 */
export function renderMessage(ev: WinEvent, lineBreak: string): string {
  const title = TITLES[`${ev.channel}:${ev.eventId}`] ?? `Event ${ev.eventId}`;
  const lines = [title];
  if (ev.channel !== SYSMON && ev.channel !== POWERSHELL) lines.push('');
  for (const [k, v] of Object.entries(ev.data)) {
    if (k.startsWith('_')) continue;
    lines.push(ev.channel === SYSMON || ev.channel === POWERSHELL ? `${k}: ${v}` : `\t${k}:\t${v}`);
  }
  return lines.join(lineBreak);
}

const agentCache = new WeakMap<SimHost, Record<string, unknown>>();
const hostCache = new WeakMap<SimHost, Record<string, unknown>>();

/** The Beats `agent` block (Winlogbeat 8 on the host); built once per host and shared (never mutated). */
export function agentBlock(org: Organisation, host: SimHost): Record<string, unknown> {
  let block = agentCache.get(host);
  if (!block) {
    block = buildAgentBlock(org, host);
    agentCache.set(host, block);
  }
  return block;
}

/** The `host` block that add_host_metadata writes; built once per host and shared (never mutated). */
export function hostBlock(host: SimHost): Record<string, unknown> {
  let block = hostCache.get(host);
  if (!block) {
    block = buildHostBlock(host);
    hostCache.set(host, block);
  }
  return block;
}

function buildAgentBlock(org: Organisation, host: SimHost): Record<string, unknown> {
  const id = hashSeed(org.seed, host.index, 'agent').toString(16).padStart(8, '0');
  return {
    ephemeral_id: `${id}-6a2b-4c1d-9e0f-${host.hostId.slice(-12)}`,
    id: `${host.hostId.slice(0, 8)}-${id.slice(0, 4)}-4${id.slice(4, 7)}-a${id.slice(1, 4)}-${host.hostId.slice(-12)}`,
    name: host.name,
    type: 'winlogbeat',
    version: WINLOGBEAT_VERSION,
  };
}

function buildHostBlock(host: SimHost): Record<string, unknown> {
  return {
    architecture: 'x86_64',
    hostname: host.name.toLowerCase(),
    id: host.hostId,
    ip: [host.ip],
    mac: [host.mac],
    name: host.fqdn,
    os: {
      build: host.os.build,
      family: 'windows',
      kernel: host.os.kernel,
      name: host.os.name,
      platform: 'windows',
      type: 'windows',
      version: host.os.version,
    },
  };
}
