import { splitLines } from './json_stream';

async function* chunks(parts: string[]): AsyncGenerator<string> {
  for (const p of parts) yield p;
}

async function linesOf(parts: string[], first?: string): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  for await (const batch of splitLines(chunks(parts), first))
    for (const l of batch) out.push([l.line, l.text]);
  return out;
}

describe('splitLines', () => {
  it('joins a line cut across chunks and numbers lines from 1', async () => {
    expect(await linesOf(['{"a":1}\n{"b"', ':2}\n{"c":3}\n'])).toEqual([
      [1, '{"a":1}'],
      [2, '{"b":2}'],
      [3, '{"c":3}'],
    ]);
  });

  it('joins a line longer than several chunks', async () => {
    expect(await linesOf(['x\nab', 'cd', 'ef', 'g\ny'])).toEqual([
      [1, 'x'],
      [2, 'abcdefg'],
      [3, 'y'],
    ]);
  });

  it('drops the \\r of a CRLF ending, also when the \\r and the \\n fall in different chunks', async () => {
    expect(await linesOf(['a\r\nb\r', '\nc\r\n'])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('keeps empty lines (they count for the line numbers) and yields a last line without a newline', async () => {
    expect(await linesOf(['a\n\nb', '\n', 'c'])).toEqual([
      [1, 'a'],
      [2, ''],
      [3, 'b'],
      [4, 'c'],
    ]);
  });

  it('continues the first (already read) text with the stream', async () => {
    expect(await linesOf(['d\ne\n'], 'a\nb\nc')).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'cd'],
      [4, 'e'],
    ]);
  });

  it('yields nothing for an empty stream', async () => {
    expect(await linesOf([])).toEqual([]);
    expect(await linesOf(['', ''])).toEqual([]);
  });
});
