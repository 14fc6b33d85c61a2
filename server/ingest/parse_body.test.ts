import { parseIngestBody } from './parse_body';

describe('parseIngestBody', () => {
  it('numbers NDJSON lines from 1 and reports bad lines while keeping the good ones', () => {
    const body = Buffer.from('{"a":1}\nnot json\n\n[1]\n{"b":2}\r\n');
    const out = parseIngestBody(body);
    expect(out.map((l) => [l.line, !!l.doc, l.error?.split(':')[0]])).toEqual([
      [1, true, undefined],
      [2, false, 'invalid JSON'],
      [4, false, 'document must be a JSON object'],
      [5, true, undefined],
    ]);
  });

  it('accepts a JSON array and numbers its elements', () => {
    const out = parseIngestBody(Buffer.from('[{"a":1}, 3, {"c":2}]'));
    expect(out.map((l) => l.line)).toEqual([1, 2, 3]);
    expect(out[1].error).toBe('document must be a JSON object');
  });

  it('rejects a truncated array as a whole with the parser reason', () => {
    const out = parseIngestBody(Buffer.from('[{"a":1}, '));
    expect(out).toHaveLength(1);
    expect(out[0].error).toMatch(/^body is not valid JSON/);
  });
});
