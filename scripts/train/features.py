"""Python twin of common/features/window_extractor.ts: recomputes the window features and sequences from the
FeatureEvent NDJSON that scripts/train/export_dataset.ts writes. Kept line-for-line close to the TypeScript so a
reviewer can compare them; `check_parity` (run by train.sh) and the jest golden test hold them equal."""
import json
import math
import re

def load_schema(path):
    with open(path) as f:
        return json.load(f)

SEC_KINDS = {
    4634: 'logoff', 4647: 'logoff', 4648: 'explicit_cred', 4672: 'priv', 4673: 'priv', 4674: 'priv',
    4688: 'proc', 5156: 'net', 4697: 'service', 4698: 'task', 4702: 'task', 4720: 'account', 4722: 'account',
    4724: 'account', 4726: 'account', 4728: 'account', 4732: 'account', 4738: 'account', 4756: 'account',
    4769: 'tgs', 5140: 'share', 5145: 'share', 1102: 'log_clear', 4625: 'logon_fail', 4771: 'logon_fail',
}
SYSMON_KINDS = {1: 'proc', 3: 'net', 7: 'image_load', 8: 'remote_thread', 10: 'proc_access', 11: 'file',
                12: 'registry', 13: 'registry', 14: 'registry', 22: 'dns'}


def event_kind(e):
    c, i = e['c'], e['id']
    if c == 'sec':
        if i == 4624:
            lt = e['lt']
            if lt in (2, 7, 11):
                return 'logon_interactive'
            if lt == 3:
                return 'logon_network'
            if lt == 10:
                return 'logon_remote'
            return 'logon_other'
        if i in (4776, 4768):
            return 'logon_fail' if e['f'] else ('ntlm' if i == 4776 else 'tgt')
        return SEC_KINDS.get(i, 'other')
    if c == 'sysmon':
        return SYSMON_KINDS.get(i, 'other')
    if c == 'system':
        return 'service' if i == 7045 else ('log_clear' if i == 104 else 'other')
    if c == 'ps':
        return 'powershell' if i in (4103, 4104) else 'other'
    return 'other'


def dns_entropy(q):
    labels = q.split('.')
    sub = ''.join(labels[:-2]) if len(labels) > 2 else labels[0]
    if not sub:
        return 0.0
    counts = {}
    for ch in sub:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(sub)
    h = 0.0
    for c in counts.values():
        p = c / n
        h -= p * math.log2(p)
    return h


def registered_domain(q):
    return '.'.join(q.split('.')[-2:])


_V4 = re.compile(r'^(\d{1,3})\.(\d{1,3})\.')


def is_private_ip(ip):
    if ip in ('', '::1', '0.0.0.0', '::') or ip.startswith('127.'):
        return True
    m = _V4.match(ip)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        return a == 10 or (a == 172 and 16 <= b <= 31) or (a == 192 and b == 168) or (a == 169 and b == 254) \
            or (a == 100 and 64 <= b <= 127)
    l = ip.lower()
    return l.startswith('fc') or l.startswith('fd') or l.startswith('fe80')


class Extractor:
    def __init__(self, schema):
        self.s = schema
        self.kinds = schema['eventKinds']
        self.kind_index = {k: i for i, k in enumerate(self.kinds)}
        self.W = schema['windowMs']
        self.G = schema['graceMs']
        self.L = schema['seqLen']
        self.nnum = len(schema['seqNumeric'])
        self.cap = schema['historyCap']
        self.rare_n = schema['rareProcessWindows']
        self.open = {}
        self.pair_hist = {}
        self.proc_windows = {}
        self.watermark = -math.inf
        self.closed_before = -math.inf
        self.late = 0

    def add(self, e, tag=0):
        rows = self.close_through(e['t']) if e['t'] > self.watermark else []
        if e['t'] > self.watermark:
            self.watermark = e['t']
        start = (e['t'] // self.W) * self.W
        if start < self.closed_before:
            self.late += 1
            return rows
        if e['h']:
            self.observe(self.window('host', e['h'], start), e, tag)
        if e['u']:
            self.observe(self.window('user', e['u'], start), e, tag)
        return rows

    def flush(self):
        return self.close_through(math.inf)

    def window(self, typ, entity, start):
        key = f'{typ}\u0000{entity}\u0000{start}'
        w = self.open.get(key)
        if w is None:
            w = dict(type=typ, entity=entity, start=start, n=0, failures=0, counts=[0] * len(self.kinds),
                     dips=set(), dports=set(), sips=set(), hosts=set(), users=set(), procs=set(), pairs=set(),
                     dns=0, ent_sum=0.0, ent_max=0.0, qlen_max=0, domains=set(), long_labels=0, ob_sum=0,
                     ob_max=0, external=0, steps=[], label=0)
            self.open[key] = w
        return w

    def observe(self, w, e, tag):
        kind = event_kind(e)
        ki = self.kind_index[kind]
        w['n'] += 1
        w['failures'] += e['f']
        w['counts'][ki] += 1
        if e['dip']:
            w['dips'].add(e['dip'])
        if e['dport']:
            w['dports'].add(e['dport'])
        if e['sip']:
            w['sips'].add(e['sip'])
        if e['h']:
            w['hosts'].add(e['h'])
        if e['u']:
            w['users'].add(e['u'])
        pair = ''
        if kind == 'proc' and e['p']:
            w['procs'].add(e['p'])
            if e['pp']:
                pair = f"{e['pp']}>{e['p']}"
                w['pairs'].add(pair)
        ent = 0.0
        if kind == 'dns' and e['q']:
            q = e['q']
            ent = dns_entropy(q)
            w['dns'] += 1
            w['ent_sum'] += ent
            w['ent_max'] = max(w['ent_max'], ent)
            w['qlen_max'] = max(w['qlen_max'], len(q))
            w['domains'].add(registered_domain(q))
            if any(len(l) > 30 for l in q.split('.')):
                w['long_labels'] += 1
        external = kind == 'net' and e['dip'] != '' and not is_private_ip(e['dip'])
        if external:
            w['external'] += 1
            w['ob_sum'] += e['ob']
            w['ob_max'] = max(w['ob_max'], e['ob'])
        w['steps'].append((ki + 1, e['t'], e['f'], pair, e['p'] if kind == 'proc' else '', e['ob'] if external else 0, ent))
        if len(w['steps']) > self.L:
            w['steps'].pop(0)
        w['label'] = max(w['label'], tag)

    def close_through(self, t):
        out = []
        while self.open:
            first = min(w['start'] for w in self.open.values())
            if first + self.W + self.G > t:
                break
            closing = sorted((k, w) for k, w in self.open.items() if w['start'] == first)
            out.extend(self.row(w) for _, w in closing)
            for k, w in closing:
                self.remember(w)
                del self.open[k]
            self.closed_before = first + self.W
        return out

    def is_rare(self, p):
        return self.proc_windows.get(p, 0) < self.rare_n

    def row(self, w):
        hist = self.pair_hist.get(f"{w['type']}:{w['entity']}", set())
        new_pairs = sum(1 for p in w['pairs'] if p not in hist)
        rare = sum(1 for p in w['procs'] if self.is_rare(p))
        c = lambda k: w['counts'][self.kind_index[k]]
        logons = c('logon_interactive') + c('logon_network') + c('logon_remote') + c('logon_other')
        frac = lambda k: c(k) / logons if logons > 0 else 0.0
        lp = math.log1p
        f = [1.0 if w['type'] == 'user' else 0.0, (w['start'] % 86400000) / 3600000, lp(w['n'])]
        f += [lp(n) for n in w['counts']]
        f += [w['failures'] / w['n'] if w['n'] else 0.0, lp(len(w['dips'])), lp(len(w['dports'])),
              lp(len(w['sips'])), lp(len(w['hosts'])), lp(len(w['users'])), lp(len(w['procs'])),
              frac('logon_interactive'), frac('logon_network'), frac('logon_remote'), lp(new_pairs), lp(rare),
              lp(w['dns']), w['ent_sum'] / w['dns'] if w['dns'] else 0.0, w['ent_max'], float(w['qlen_max']),
              lp(len(w['domains'])), lp(w['long_labels']), lp(w['ob_sum']), lp(w['ob_max']), lp(w['external']),
              lp(c('priv') + c('account') + c('service'))]
        assert len(f) == len(self.s['windowFeatures']), (len(f), len(self.s['windowFeatures']))
        tokens = [0] * self.L
        seq = [0.0] * (self.L * self.nnum)
        pad = self.L - len(w['steps'])
        prev = -1
        for i, (tok, t, fl, pair, proc, ob, ent) in enumerate(w['steps']):
            j = pad + i
            tokens[j] = tok
            novel = 1 if proc != '' and ((pair != '' and pair not in hist) or self.is_rare(proc)) else 0
            b = j * self.nnum
            seq[b] = 0.0 if prev < 0 else lp(max(0, t - prev) / 1000)
            seq[b + 1] = float(fl)
            seq[b + 2] = float(novel)
            seq[b + 3] = lp(ob)
            seq[b + 4] = ent
            prev = t
        return dict(entity_type=w['type'], entity=w['entity'], window_start=w['start'], event_count=w['n'],
                    features=f, tokens=tokens, seq=seq, label=w['label'])

    def remember(self, w):
        key = f"{w['type']}:{w['entity']}"
        hist = self.pair_hist.get(key)
        if hist is None and len(self.pair_hist) < self.cap:
            hist = set()
            self.pair_hist[key] = hist
        if hist is not None:
            for p in w['pairs']:
                if len(hist) < self.cap:
                    hist.add(p)
        if w['type'] != 'host':
            return
        for p in w['procs']:
            n = self.proc_windows.get(p)
            if n is not None:
                self.proc_windows[p] = n + 1
            elif len(self.proc_windows) < self.cap:
                self.proc_windows[p] = 1


def extract_file(schema, events_path):
    ex = Extractor(schema)
    rows = []
    with open(events_path) as f:
        for line in f:
            if line.strip():
                e = json.loads(line)
                rows.extend(ex.add(e, e.get('y', 0)))
    rows.extend(ex.flush())
    return rows
