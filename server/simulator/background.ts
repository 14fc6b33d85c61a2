/**
 * Benign background activity for one time window: interactive work on workstations (logons of types 2/7/11,
 * explorer -> office -> browser trees, DNS, flows, file writes), domain-controller authentication, file-share
 * access, service logons, updaters and scheduled maintenance, plus the deliberate false-positive traps (admin PsExec
 * from the jump host in change windows, nightly backup archive-and-upload, software deployment creating services,
 * a security scanner probing shares). Traps carry a `trap` label so evaluations can count false positives on them.
 */
import * as B from './builders';
import { CLOUD_STORAGE, CMD_EXE, POPULAR_DOMAINS, POWERSHELL_EXE, SYSTEM32, UPDATE_DOMAINS } from './catalog';
import { isWorkingTime, localTime, Organisation, SimHost, SimUser } from './org';
import { Prng } from './prng';
import type { EventLabel, Proc, WinEvent } from './win_event';

export const WINDOW_MS = 10 * 60 * 1000;

export interface World {
  org: Organisation;
  rng: Prng;
  out: WinEvent[];
}

function ctxOf(w: World, host: SimHost, label?: EventLabel): B.Ctx {
  return { org: w.org, host, rng: w.rng, out: w.out, label };
}

export function dayIndex(ts: number, host: SimHost): number {
  return Math.floor((ts + host.office.utcOffsetMin * 60000) / 86400000);
}

const OFFICE_APPS: ReadonlyArray<readonly [string, number]> = [
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', 3],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE', 3],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\POWERPNT.EXE', 1],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', 1],
];
const BROWSERS = [
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
];
const OPTIONAL_APPS: Record<string, string> = {
  '7zip': 'C:\\Program Files\\7-Zip\\7zFM.exe',
  'notepad++': 'C:\\Program Files\\Notepad++\\notepad++.exe',
  zoom: 'C:\\Users\\%USER%\\AppData\\Roaming\\Zoom\\bin\\Zoom.exe',
  vscode: 'C:\\Users\\%USER%\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe',
  acrobat: 'C:\\Program Files (x86)\\Adobe\\Acrobat Reader DC\\Reader\\AcroRd32.exe',
  putty: 'C:\\Program Files\\PuTTY\\putty.exe',
  python: 'C:\\Users\\%USER%\\AppData\\Local\\Programs\\Python\\Python312\\python.exe',
};
const DOC_EXT: Record<string, string> = {
  'WINWORD.EXE': 'docx',
  'EXCEL.EXE': 'xlsx',
  'POWERPNT.EXE': 'pptx',
  'OUTLOOK.EXE': 'msg',
};

function userOf(org: Organisation, host: SimHost): SimUser | undefined {
  return host.primaryUser === undefined ? undefined : org.users[host.primaryUser];
}

/** A browsing burst: DNS lookups and HTTPS flows with byte counts. */
function browse(c: B.Ctx, ts: number, browser: Proc, count: number): void {
  for (let i = 0; i < count; i++) {
    const [name, ip] = c.rng.pick(POPULAR_DOMAINS);
    const t = ts + c.rng.int(0, 50000);
    B.dnsQuery(c, t, browser, name, [ip]);
    B.connect(c, t + 30, browser, {
      dstIp: ip,
      dstPort: 443,
      bytesOut: c.rng.logNormal(2500, 0.8),
      bytesIn: c.rng.logNormal(60000, 1.2),
    });
  }
}

/** Internal name lookups every domain member makes (DC locator SRV records and host names). */
function internalDns(w: World, c: B.Ctx, ts: number): void {
  const svc = B.systemProc(w.org, c.host, 'svchost');
  const dc = w.org.hosts[w.org.dcs[c.rng.int(0, w.org.dcs.length - 1)]];
  const d = w.org.dnsDomain;
  const q = c.rng.int(0, 3);
  if (q === 0) B.dnsQuery(c, ts, svc, `_ldap._tcp.dc._msdcs.${d}`, [`0 100 389 ${dc.fqdn}`], '0', 'SRV');
  else if (q === 1)
    B.dnsQuery(
      c,
      ts,
      svc,
      `_kerberos._tcp.${c.host.office.name}._sites.dc._msdcs.${d}`,
      [`0 100 88 ${dc.fqdn}`],
      '0',
      'SRV',
    );
  else if (q === 2) B.dnsQuery(c, ts, svc, dc.fqdn, [dc.ip]);
  else B.dnsQuery(c, ts, svc, `wpad.${d}`, []);
}

function workstationWindow(w: World, host: SimHost, ws: number): void {
  const { org, rng } = w;
  const c = ctxOf(w, host);
  const user = userOf(org, host);
  const svc = B.systemProc(org, host, 'svchost');
  // Machine-level noise, day and night.
  if (rng.chance(0.35)) internalDns(w, c, ws + rng.int(0, WINDOW_MS - 60000));
  if (rng.chance(0.25)) {
    const [name, ip] = rng.pick(POPULAR_DOMAINS.slice(6, 10));
    const t = ws + rng.int(0, WINDOW_MS - 60000);
    B.dnsQuery(c, t, svc, name, [ip]);
    B.connect(c, t + 40, svc, {
      dstIp: ip,
      dstPort: 443,
      dstHost: name,
      bytesOut: rng.logNormal(1800, 0.5),
      bytesIn: rng.logNormal(9000, 1),
    });
  }
  const { hour } = localTime(ws, host.office);
  if (Math.floor(hour) === 12 && hour % 1 < 1 / 6) updaterRun(w, c, ws);
  if (!user) return;
  const day = dayIndex(ws, host);
  const acct = B.account(org, user);
  const explorer = B.explorerProc(org, host, user, day);
  const working = isWorkingTime(ws, user);
  const startOfDay = working && !isWorkingTime(ws - WINDOW_MS, user);
  const endOfDay = !working && isWorkingTime(ws - WINDOW_MS, user);
  if (startOfDay) {
    const t = ws + rng.int(0, 240000);
    if (rng.chance(0.05))
      B.logonFailed(c, t - 9000, acct, 2, '127.0.0.1', 'badPassword', host.name, 'Kerberos');
    // Laptops that start the day off the VPN log on with cached credentials.
    B.logon(c, t, {
      target: acct,
      logonType: rng.chance(0.15) ? 11 : 2,
      logonId: explorer.logonId,
      srcIp: '127.0.0.1',
      srcPort: 0,
      workstation: host.name,
    });
    const dc = org.hosts[rng.pick(org.dcs)];
    B.kerberosTgt(ctxOf(w, dc), t - 300, acct, host.ip);
    B.spawn(c, t + 2000, B.systemProc(org, host, 'winlogon'), explorer);
    B.spawn(
      c,
      t + 9000,
      explorer,
      B.newProc(
        c,
        'C:\\Program Files\\Microsoft\\OneDrive\\OneDrive.exe',
        '"C:\\Program Files\\Microsoft\\OneDrive\\OneDrive.exe" /background',
        acct,
        explorer.logonId,
        'Medium',
      ),
    );
    B.spawn(
      c,
      t + 12000,
      explorer,
      B.newProc(
        c,
        `C:\\Users\\${user.name}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe`,
        `"C:\\Users\\${user.name}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --system-initiated`,
        acct,
        explorer.logonId,
        'Medium',
      ),
    );
  }
  if (endOfDay) B.logoff(c, ws + rng.int(0, 60000), acct, explorer.logonId, 2);
  if (!working) return;
  if (Math.floor(hour) === 13 && hour % 1 < 1 / 6 && rng.chance(0.6)) {
    B.logon(c, ws + rng.int(0, 300000), {
      target: acct,
      logonType: 7,
      logonId: B.logonIdFor(host, user.name, `unlock${day}`),
      srcIp: '127.0.0.1',
      srcPort: 0,
      workstation: host.name,
    });
  }
  const apps = rng.poisson(2.2);
  for (let i = 0; i < apps; i++) {
    const t = ws + rng.int(0, WINDOW_MS - 90000);
    const roll = rng.next();
    if (roll < 0.45) {
      const browser = B.spawn(
        c,
        t,
        explorer,
        B.newProc(
          c,
          host.index % 2 ? BROWSERS[0] : BROWSERS[1],
          `"${host.index % 2 ? BROWSERS[0] : BROWSERS[1]}"`,
          acct,
          explorer.logonId,
          'Medium',
        ),
      );
      browse(c, t + 500, browser, rng.int(2, 7));
      if (rng.chance(0.15))
        B.fileCreate(
          c,
          t + 40000,
          browser,
          `C:\\Users\\${user.name}\\Downloads\\${rng.pick(['report', 'invoice', 'slides', 'agenda', 'notes'])}-${rng.int(100, 999)}.pdf`,
        );
    } else if (roll < 0.85) {
      const image = rng.weighted(OFFICE_APPS);
      const exe = image.slice(image.lastIndexOf('\\') + 1);
      const app = B.spawn(
        c,
        t,
        explorer,
        B.newProc(c, image, `"${image}" `, acct, explorer.logonId, 'Medium'),
      );
      const [name, ip] = POPULAR_DOMAINS[3];
      B.dnsQuery(c, t + 800, app, name, [ip]);
      B.connect(c, t + 900, app, {
        dstIp: ip,
        dstPort: 443,
        bytesOut: rng.logNormal(8000, 1),
        bytesIn: rng.logNormal(40000, 1),
      });
      if (rng.chance(0.6))
        B.fileCreate(
          c,
          t + rng.int(20000, 80000),
          app,
          `C:\\Users\\${user.name}\\Documents\\${rng.pick(['budget', 'plan', 'minutes', 'draft', 'review'])}-${rng.int(1, 40)}.${DOC_EXT[exe]}`,
        );
      if (exe === 'OUTLOOK.EXE' && rng.chance(0.5)) {
        const browser = B.spawn(
          c,
          t + 30000,
          app,
          B.newProc(
            c,
            BROWSERS[1],
            `"${BROWSERS[1]}" --single-argument https://${rng.pick(POPULAR_DOMAINS)[0]}/`,
            acct,
            explorer.logonId,
            'Medium',
          ),
        );
        browse(c, t + 30500, browser, 2);
      }
    } else {
      const opt = host.software.length ? rng.pick(host.software) : undefined;
      const path = opt ? OPTIONAL_APPS[opt].replace('%USER%', user.name) : `${SYSTEM32}\\notepad.exe`;
      B.spawn(c, t, explorer, B.newProc(c, path, `"${path}"`, acct, explorer.logonId, 'Medium'));
    }
  }
  // File-share use: a network logon on the file server, share access, and the Kerberos service ticket behind it.
  if (rng.chance(0.3)) {
    const fs = org.hosts[rng.pick(org.fileServers)];
    const t = ws + rng.int(0, WINDOW_MS - 60000);
    const logonId = B.logonIdFor(fs, user.name, `${ws}`);
    B.kerberosTgs(
      ctxOf(w, org.hosts[rng.pick(org.dcs)]),
      t - 200,
      acct,
      `${fs.name}$`,
      `${org.domainSid}-${20000 + fs.index}`,
      host.ip,
    );
    B.connect(c, t - 100, B.systemProc(org, host, 'system'), {
      dstIp: fs.ip,
      dstPort: 445,
      dstHost: fs.fqdn,
      bytesOut: rng.logNormal(20000, 1),
      bytesIn: rng.logNormal(300000, 1.3),
    });
    const fc = ctxOf(w, fs);
    B.logon(fc, t, {
      target: acct,
      logonType: 3,
      logonId,
      srcIp: host.ip,
      srcPort: rng.int(49152, 65535),
      auth: 'Kerberos',
    });
    const dept = rng.pick(['Finance', 'HR', 'Sales', 'Engineering', 'Projects']);
    B.shareAccess(
      fc,
      t + 50,
      acct,
      logonId,
      host.ip,
      'Departments',
      'D:\\Shares\\Departments',
      `${dept}\\${rng.pick(['Q1', 'Q2', 'Q3', 'archive'])}\\${rng.pick(['report', 'forecast', 'contract', 'roster'])}-${rng.int(1, 99)}.xlsx`,
      rng.chance(0.2),
    );
    B.logoff(fc, t + rng.int(60000, 300000), acct, logonId, 3);
  }
}

/** Hourly-ish updater checks run from the task scheduler as SYSTEM. */
function updaterRun(w: World, c: B.Ctx, ws: number): void {
  const task = B.systemProc(w.org, c.host, 'svchost');
  const t = ws + w.rng.int(0, 300000);
  const image = w.rng.pick([
    'C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe',
    'C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe',
    'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0\\MpCmdRun.exe',
  ]);
  const upd = B.spawn(
    c,
    t,
    task,
    B.newProc(c, image, `"${image}" /ua /installsource scheduler`, B.SYSTEM_ACCOUNT, '0x3e7', 'System'),
  );
  const [name, ip] = w.rng.pick(UPDATE_DOMAINS);
  B.dnsQuery(c, t + 300, upd, name, [ip]);
  B.connect(c, t + 400, upd, {
    dstIp: ip,
    dstPort: 443,
    dstHost: name,
    bytesOut: w.rng.logNormal(3000, 0.4),
    bytesIn: w.rng.logNormal(250000, 1.5),
  });
}

function serverWindow(w: World, host: SimHost, ws: number): void {
  const { org, rng } = w;
  const c = ctxOf(w, host);
  if (rng.chance(0.3)) internalDns(w, c, ws + rng.int(0, WINDOW_MS - 60000));
  // Service logons: services restarting and scheduled jobs running as service accounts.
  if (rng.chance(0.08)) {
    const svcUser = org.users[rng.pick(org.serviceAccounts)];
    B.logon(c, ws + rng.int(0, WINDOW_MS - 10000), {
      target: B.account(org, svcUser),
      logonType: 5,
      logonId: B.logonIdFor(host, svcUser.name, ws),
      privileged: true,
    });
  }
  if (rng.chance(0.15))
    B.logon(c, ws + rng.int(0, WINDOW_MS - 10000), {
      target: B.SYSTEM_ACCOUNT,
      logonType: 5,
      logonId: '0x3e7',
      privileged: true,
    });
  const { hour, weekday } = localTime(ws, host.office);
  if (Math.floor(hour) === 3 && hour % 1 < 1 / 6) updaterRun(w, c, ws);
  if (host.role === 'dc') dcWindow(w, c, ws);
  // IT maintenance scripts (benign PowerShell script blocks from a scripts folder).
  if (Math.floor(hour) === 4 && hour % 1 < 1 / 6 && rng.chance(0.5)) {
    const svcUser = org.users[org.serviceAccounts[2]];
    const acct = B.account(org, svcUser);
    const t = ws + rng.int(0, 300000);
    const script = rng.pick([
      'C:\\Scripts\\Maintenance\\cleanup-temp.ps1',
      'C:\\Scripts\\Maintenance\\rotate-logs.ps1',
      'C:\\Scripts\\Inventory\\collect.ps1',
    ]);
    const ps = B.spawn(
      c,
      t,
      B.systemProc(org, host, 'taskhost'),
      B.newProc(
        c,
        POWERSHELL_EXE,
        `powershell.exe -NoProfile -ExecutionPolicy Bypass -File ${script}`,
        acct,
        B.logonIdFor(host, svcUser.name, ws),
        'High',
        'C:\\Scripts\\',
      ),
    );
    B.scriptBlock(
      c,
      t + 400,
      rng.pick([
        'Get-ChildItem -Path $env:TEMP -Recurse | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-14) } | Remove-Item -Force',
        'Get-Service | Where-Object Status -eq Stopped | Select-Object Name',
        'Get-CimInstance Win32_OperatingSystem | Select-Object LastBootUpTime',
      ]),
      ps.user,
      script,
    );
  }
  if (host.role === 'server' && rng.chance(0.5)) {
    const sql = B.systemProc(org, host, 'services');
    const ws2 = org.hosts[rng.pick(org.workstations)];
    B.connect(
      c,
      ws + rng.int(0, WINDOW_MS - 1000),
      {
        ...sql,
        image: 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe',
      },
      {
        srcIp: ws2.ip,
        dstIp: host.ip,
        dstPort: 1433,
        initiated: false,
        bytesOut: rng.logNormal(5000, 1),
        bytesIn: rng.logNormal(90000, 1.2),
      },
    );
  }
  if (host.role === 'jump') jumpWindow(w, c, ws, hour, weekday);
  if (host.role === 'backup') backupWindow(w, c, ws, hour);
  if (host.role === 'deploy') deployWindow(w, c, ws, hour, weekday);
  if (host.role === 'scanner') scannerWindow(w, c, ws, hour);
}

/** Authentication load a DC carries on behalf of the workstations (machine accounts and users). */
function dcWindow(w: World, c: B.Ctx, ws: number): void {
  const { org, rng } = w;
  const n = rng.poisson(Math.max(1, org.workstations.length / (org.dcs.length * 12)));
  for (let i = 0; i < n; i++) {
    const h = org.hosts[rng.pick(org.workstations)];
    const t = ws + rng.int(0, WINDOW_MS - 5000);
    const machine = B.machineAccount(org, h);
    const r = rng.next();
    if (r < 0.4)
      B.kerberosTgs(c, t, machine, `${c.host.name}$`, `${org.domainSid}-${20000 + c.host.index}`, h.ip);
    else if (r < 0.75)
      B.logon(c, t, {
        target: machine,
        logonType: 3,
        logonId: B.logonIdFor(c.host, machine.name, t),
        srcIp: h.ip,
        srcPort: rng.int(49152, 65535),
        auth: 'Kerberos',
      });
    else if (r < 0.9) B.kerberosTgt(c, t, machine, h.ip);
    else B.ntlmValidate(c, t, machine.name, h.name);
  }
}

const CHANGE_WINDOW = (hour: number, weekday: number): boolean =>
  (weekday === 2 || weekday === 4) && hour >= 18 && hour < 20;

/** Admins RDP to the jump host in the day; in the Tue/Thu change window they PsExec to servers (trap). */
function jumpWindow(w: World, c: B.Ctx, ws: number, hour: number, weekday: number): void {
  const { org, rng } = w;
  if (!org.admins.length) return;
  const admin = org.users[org.admins[Math.floor(ws / WINDOW_MS) % org.admins.length]];
  const acct = B.account(org, admin);
  const day = dayIndex(ws, c.host);
  const logonId = B.logonIdFor(c.host, admin.name, `rdp${day}`);
  if (isWorkingTime(ws, admin) && rng.chance(0.12)) {
    const src = org.hosts[admin.workstation ?? org.workstations[0]];
    const t = ws + rng.int(0, WINDOW_MS - 120000);
    B.connect(
      ctxOf(w, src),
      t - 500,
      B.newProc(
        ctxOf(w, src),
        `${SYSTEM32}\\mstsc.exe`,
        `"${SYSTEM32}\\mstsc.exe" /v:${c.host.fqdn}`,
        acct,
        B.logonIdFor(src, admin.name, day),
        'Medium',
      ),
      {
        dstIp: c.host.ip,
        dstPort: 3389,
        dstHost: c.host.fqdn,
        bytesOut: rng.logNormal(400000, 1),
        bytesIn: rng.logNormal(3000000, 1),
      },
    );
    B.logon(c, t, {
      target: acct,
      logonType: 10,
      logonId,
      srcIp: src.ip,
      srcPort: rng.int(49152, 65535),
      auth: 'Negotiate',
      privileged: true,
    });
    // From the jump host they RDP on to a server.
    const srv = org.hosts[rng.pick(org.servers.filter((s) => s !== c.host.index))];
    B.logon(ctxOf(w, srv), t + 60000, {
      target: acct,
      logonType: 10,
      logonId: B.logonIdFor(srv, admin.name, t),
      srcIp: c.host.ip,
      srcPort: rng.int(49152, 65535),
      auth: 'Negotiate',
      privileged: true,
    });
    B.logoff(c, t + 110000, acct, logonId, 10);
  }
  if (CHANGE_WINDOW(hour, weekday) && rng.chance(0.6)) {
    const trap: EventLabel = {
      kind: 'trap',
      trap: 'admin-psexec-change-window',
      techniques: ['T1569.002', 'T1021.002'],
    };
    const tc = ctxOf(w, c.host, trap);
    const t = ws + rng.int(0, WINDOW_MS - 120000);
    const shellProc = B.newProc(tc, CMD_EXE, `"${CMD_EXE}"`, acct, logonId, 'High');
    const target = org.hosts[rng.pick(org.servers.filter((s) => s !== c.host.index))];
    const psexec = B.spawn(
      tc,
      t,
      shellProc,
      B.newProc(
        tc,
        'C:\\Tools\\Sysinternals\\PsExec64.exe',
        `C:\\Tools\\Sysinternals\\PsExec64.exe \\\\${target.name} -accepteula cmd /c "gpupdate /force && ipconfig /flushdns"`,
        acct,
        logonId,
        'High',
        'C:\\Tools\\',
      ),
    );
    psexecOnto(w, tc, t + 500, psexec, target, acct, trap, 'Kerberos');
  }
}

/** The target side of a PsExec: logon, ADMIN$ write, PSEXESVC service, child process. Shared with campaigns. */
export function psexecOnto(
  w: World,
  src: B.Ctx,
  t: number,
  tool: Proc,
  target: SimHost,
  acct: B.Account,
  label: EventLabel | undefined,
  auth: 'Kerberos' | 'NTLM',
  command = 'cmd /c "gpupdate /force && ipconfig /flushdns"',
): Proc {
  const { org, rng } = w;
  const tc = ctxOf(w, target, label);
  B.connect(src, t, tool, {
    dstIp: target.ip,
    dstPort: 445,
    dstHost: target.fqdn,
    bytesOut: rng.logNormal(400000, 0.3),
    bytesIn: rng.logNormal(20000, 0.5),
  });
  const logonId = B.logonIdFor(target, acct.name, t);
  B.logon(tc, t + 100, {
    target: acct,
    logonType: 3,
    logonId,
    srcIp: src.host.ip,
    srcPort: rng.int(49152, 65535),
    auth,
    privileged: true,
  });
  B.shareAccess(tc, t + 200, acct, logonId, src.host.ip, 'ADMIN$', 'C:\\Windows', 'PSEXESVC.exe', true);
  B.serviceInstall(tc, t + 400, acct, logonId, 'PSEXESVC', '%SystemRoot%\\PSEXESVC.exe');
  const services = B.systemProc(org, target, 'services');
  const svc = B.spawn(
    tc,
    t + 600,
    services,
    B.newProc(
      tc,
      'C:\\Windows\\PSEXESVC.exe',
      'C:\\Windows\\PSEXESVC.exe',
      B.SYSTEM_ACCOUNT,
      '0x3e7',
      'System',
    ),
  );
  const [exe] = command.split(' ');
  const image = exe === 'cmd' ? CMD_EXE : exe === 'powershell' ? POWERSHELL_EXE : exe;
  return B.spawn(
    tc,
    t + 900,
    svc,
    B.newProc(tc, image, `${image}${command.slice(exe.length)}`, acct, logonId, 'High', `${SYSTEM32}\\`),
  );
}

/** Nightly backup (01:00-03:00 local): read the shares, archive, upload to cloud storage (trap). */
function backupWindow(w: World, c: B.Ctx, ws: number, hour: number): void {
  const { org, rng } = w;
  if (Math.floor(hour) !== 1 || hour % 1 >= 1 / 6) return;
  const trap: EventLabel = {
    kind: 'trap',
    trap: 'nightly-backup-upload',
    techniques: ['T1560.001', 'T1567.002'],
  };
  const tc = ctxOf(w, c.host, trap);
  const svcUser = org.users[org.serviceAccounts[0]];
  const acct = B.account(org, svcUser);
  const t = ws + rng.int(0, 120000);
  const logonId = B.logonIdFor(c.host, svcUser.name, ws);
  B.logon(tc, t, { target: acct, logonType: 5, logonId, privileged: true });
  const agent = B.spawn(
    tc,
    t + 1000,
    B.systemProc(org, c.host, 'services'),
    B.newProc(
      tc,
      'C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.Backup.Agent.exe',
      '"C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.Backup.Agent.exe" -job nightly',
      acct,
      logonId,
      'System',
    ),
  );
  for (const fsIdx of org.fileServers) {
    const fs = org.hosts[fsIdx];
    const fsLogon = B.logonIdFor(fs, svcUser.name, ws);
    B.logon(ctxOf(w, fs, trap), t + 2000, {
      target: acct,
      logonType: 3,
      logonId: fsLogon,
      srcIp: c.host.ip,
      srcPort: rng.int(49152, 65535),
      privileged: true,
    });
    B.shareAccess(
      ctxOf(w, fs, trap),
      t + 2100,
      acct,
      fsLogon,
      c.host.ip,
      'Departments',
      'D:\\Shares\\Departments',
    );
    B.connect(tc, t + 2200, agent, {
      dstIp: fs.ip,
      dstPort: 445,
      dstHost: fs.fqdn,
      bytesOut: rng.logNormal(2e6, 0.3),
      bytesIn: rng.logNormal(4e9, 0.3),
    });
  }
  const night = new Date(ws).toISOString().slice(0, 10).replace(/-/g, '');
  const archive = B.spawn(
    tc,
    t + 60000,
    agent,
    B.newProc(
      tc,
      'C:\\Program Files\\7-Zip\\7z.exe',
      `"C:\\Program Files\\7-Zip\\7z.exe" a -t7z -mx=5 E:\\Backups\\shares-${night}.7z \\\\${org.hosts[org.fileServers[0]].name}\\Departments`,
      acct,
      logonId,
      'System',
      'E:\\Backups\\',
    ),
  );
  B.fileCreate(tc, t + 65000, archive, `E:\\Backups\\shares-${night}.7z`);
  const [name, ip] = CLOUD_STORAGE[1];
  B.dnsQuery(tc, t + 400000, agent, name, [ip]);
  B.connect(tc, t + 400500, agent, {
    dstIp: ip,
    dstPort: 443,
    dstHost: name,
    bytesOut: rng.logNormal(3.5e9, 0.2),
    bytesIn: rng.logNormal(2e6, 0.3),
  });
}

/** Wednesday 10:00 software rollout from SCCM: a service is created on a batch of workstations (trap). */
function deployWindow(w: World, c: B.Ctx, ws: number, hour: number, weekday: number): void {
  const { org, rng } = w;
  if (weekday !== 3 || Math.floor(hour) !== 10) return;
  const trap: EventLabel = {
    kind: 'trap',
    trap: 'software-deployment-service',
    techniques: ['T1543.003', 'T1569.002'],
  };
  const svcUser = org.users[org.serviceAccounts[2]];
  const acct = B.account(org, svcUser);
  const slot = Math.floor((hour % 1) * 6);
  const batch = org.workstations.filter((_, i) => i % 6 === slot);
  for (const idx of batch) {
    const target = org.hosts[idx];
    const tc = ctxOf(w, target, trap);
    const t = ws + rng.int(0, WINDOW_MS - 120000);
    const logonId = B.logonIdFor(target, svcUser.name, ws);
    B.logon(tc, t, {
      target: acct,
      logonType: 3,
      logonId,
      srcIp: c.host.ip,
      srcPort: rng.int(49152, 65535),
      auth: 'Kerberos',
      privileged: true,
    });
    B.shareAccess(
      tc,
      t + 100,
      acct,
      logonId,
      c.host.ip,
      'ADMIN$',
      'C:\\Windows',
      'ccmsetup\\ccmsetup.exe',
      true,
    );
    B.serviceInstall(
      tc,
      t + 300,
      acct,
      logonId,
      'ccmsetup',
      'C:\\Windows\\ccmsetup\\ccmsetup.exe /runservice',
      'auto start',
    );
    const setup = B.spawn(
      tc,
      t + 500,
      B.systemProc(org, target, 'services'),
      B.newProc(
        tc,
        'C:\\Windows\\ccmsetup\\ccmsetup.exe',
        'C:\\Windows\\ccmsetup\\ccmsetup.exe /runservice',
        B.SYSTEM_ACCOUNT,
        '0x3e7',
        'System',
      ),
    );
    B.spawn(
      tc,
      t + 20000,
      setup,
      B.newProc(
        tc,
        `${SYSTEM32}\\msiexec.exe`,
        `"${SYSTEM32}\\msiexec.exe" /i "C:\\Windows\\ccmsetup\\client.msi" /qn`,
        B.SYSTEM_ACCOUNT,
        '0x3e7',
        'System',
      ),
    );
    // The deployed package registers its updater as a scheduled task.
    B.taskCreated(
      tc,
      t + 60000,
      B.machineAccount(org, target),
      '0x3e7',
      '\\GoogleUpdateTaskMachineUA',
      'C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe',
      '/ua /installsource scheduler',
    );
  }
}

/** 22:00 nightly vulnerability scan: NTLM network logons and IPC$/C$ probes on every host (trap). */
function scannerWindow(w: World, c: B.Ctx, ws: number, hour: number): void {
  const { org, rng } = w;
  if (Math.floor(hour) !== 22) return;
  const trap: EventLabel = {
    kind: 'trap',
    trap: 'security-scanner-share-probe',
    techniques: ['T1135', 'T1021.002'],
  };
  const svcUser = org.users[org.serviceAccounts[3]];
  const acct = B.account(org, svcUser);
  const slot = Math.floor((hour % 1) * 6);
  const scanner = B.newProc(
    ctxOf(w, c.host),
    'C:\\Program Files\\Tenable\\Nessus\\nessusd.exe',
    '"C:\\Program Files\\Tenable\\Nessus\\nessusd.exe"',
    B.SYSTEM_ACCOUNT,
    '0x3e7',
    'System',
  );
  for (let i = slot; i < org.hosts.length; i += 6) {
    const target = org.hosts[i];
    if (target.index === c.host.index) continue;
    const tc = ctxOf(w, target, trap);
    const t = ws + rng.int(0, WINDOW_MS - 30000);
    B.connect(ctxOf(w, c.host, trap), t - 50, scanner, {
      dstIp: target.ip,
      dstPort: 445,
      dstHost: target.fqdn,
      bytesOut: rng.logNormal(9000, 0.3),
      bytesIn: rng.logNormal(12000, 0.3),
    });
    const logonId = B.logonIdFor(target, svcUser.name, t);
    B.logon(tc, t, {
      target: acct,
      logonType: 3,
      logonId,
      srcIp: c.host.ip,
      srcPort: rng.int(49152, 65535),
      auth: 'NTLM',
      privileged: true,
    });
    for (const share of ['IPC$', 'C$', 'ADMIN$'])
      B.shareAccess(tc, t + 100, acct, logonId, c.host.ip, share, share === 'IPC$' ? '' : 'C:\\');
    B.logoff(tc, t + 5000, acct, logonId, 3);
  }
}

/** All benign events whose window starts at `ws`, for every host. */
export function backgroundWindow(w: World, ws: number): void {
  for (const host of w.org.hosts) {
    if (host.role === 'workstation') workstationWindow(w, host, ws);
    else serverWindow(w, host, ws);
  }
}
