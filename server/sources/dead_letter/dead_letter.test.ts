import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Rejection } from '../../../common/event';
import { deadLetterId, originalAsJson, toDeadLetter } from './dead_letter';
import { FileDeadLetterSink } from './file_dead_letter_sink';

const rejection = (id: string, original: unknown = { a: 1 }): Rejection => ({
  rejected: true,
  reason: 'winlog.event_id: not a number',
  field: 'winlog.event_id',
  origin: { kind: 'kafka', format: 'winlogbeat_raw', location: 'winlogbeat', id },
  original,
});

describe('dead letters', () => {
  it('derives one id per origin, independent of format and reason', () => {
    const a = rejection('winlogbeat:0:1');
    const b = {
      ...rejection('winlogbeat:0:1'),
      reason: 'other',
      origin: { ...a.origin, format: 'ecs' as const },
    };
    expect(deadLetterId(a.origin)).toBe(deadLetterId(b.origin));
    expect(deadLetterId(a.origin)).not.toBe(deadLetterId(rejection('winlogbeat:0:2').origin));
    expect(deadLetterId({ kind: 'kafka', location: 'a:b', id: 'c' })).not.toBe(
      deadLetterId({ kind: 'kafka', location: 'a', id: 'b:c' }),
    );
  });

  it('keeps the reason, field, origin and original, stamped with the time', () => {
    const dl = toDeadLetter(rejection('x'), new Date('2024-05-01T00:00:00Z'));
    expect(dl).toEqual({
      reason: 'winlog.event_id: not a number',
      field: 'winlog.event_id',
      origin: { kind: 'kafka', format: 'winlogbeat_raw', location: 'winlogbeat', id: 'x' },
      original: { a: 1 },
      at: '2024-05-01T00:00:00.000Z',
    });
  });

  it('always produces valid JSON for the original', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(JSON.parse(originalAsJson(undefined))).toBeNull();
    expect(JSON.parse(originalAsJson(cyclic))).toBe('[object Object]');
    expect(JSON.parse(originalAsJson(10n))).toBe('10');
    expect(JSON.parse(originalAsJson('not json {'))).toBe('not json {');
  });

  it('appends NDJSON to a file and counts per source', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dead-letter-'));
    const file = path.join(dir, 'sub', 'dead.ndjson');
    const sink = new FileDeadLetterSink(file, 'files');
    await Promise.all([
      sink.write([rejection('1'), rejection('2')]),
      sink.write([rejection('3', 'raw text')]),
    ]);
    await sink.write([]);
    const lines = (await fs.readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.origin.id)).toEqual(['1', '2', '3']);
    expect(lines[2].original).toBe('raw text');
    expect(lines[0].id).toBe(deadLetterId(rejection('1').origin));
    expect(sink.counts()).toEqual({ files: 3 });
    await fs.rm(dir, { recursive: true, force: true });
  });
});
