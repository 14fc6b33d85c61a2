import { commandLineArgs, parseHashes, parseIntLoose, splitPath, unescapeWazuhValue } from './values';
import { parseTime, toIsoTimestamp } from './timestamp';

describe('normalize value helpers', () => {
  it('splits command lines with the Windows argv rules', () => {
    expect(commandLineArgs('"C:\\Windows\\system32\\wevtutil.exe" cl Security')).toEqual([
      'C:\\Windows\\system32\\wevtutil.exe',
      'cl',
      'Security',
    ]);
    expect(commandLineArgs('"C:\\Windows\\system32\\notepad.exe" ')).toEqual([
      'C:\\Windows\\system32\\notepad.exe',
    ]);
    expect(commandLineArgs('a\\\\\\"b "c d"  e')).toEqual(['a\\"b', 'c d', 'e']);
    expect(commandLineArgs('x "" y')).toEqual(['x', '', 'y']);
    expect(commandLineArgs('C:\\dir\\ cmd.exe /c')).toEqual(['C:\\dir\\', 'cmd.exe', '/c']);
    expect(commandLineArgs('   ')).toEqual([]);
  });

  it('parses hex and decimal ids, hashes, paths and Wazuh backslashes', () => {
    expect(parseIntLoose('0x11cc')).toBe(4556);
    expect(parseIntLoose('4212')).toBe(4212);
    expect(parseIntLoose('-')).toBeUndefined();
    expect(parseIntLoose('abc')).toBeUndefined();
    expect(parseHashes('SHA1=AB,MD5=CD,SHA256=EF,IMPHASH=12')).toEqual({
      sha1: 'ab',
      md5: 'cd',
      sha256: 'ef',
      imphash: '12',
    });
    expect(splitPath('C:\\Windows\\System32\\CMD.EXE')).toEqual({
      path: 'C:\\Windows\\System32\\CMD.EXE',
      name: 'CMD.EXE',
      directory: 'C:\\Windows\\System32',
      extension: 'exe',
    });
    expect(unescapeWazuhValue('C:\\\\Windows\\\\x.exe')).toBe('C:\\Windows\\x.exe');
  });

  it("undoes Wazuh's escaping of backslashes and quotes, left to right", () => {
    // As JSON.parse leaves them: \\"C:\\\\x.exe\\" /c
    expect(unescapeWazuhValue('\\"C:\\\\Windows\\\\x.exe\\" /c')).toBe('"C:\\Windows\\x.exe" /c');
    // An escaped backslash, then an escaped quote: the quote is not swallowed by the backslash.
    expect(unescapeWazuhValue('cd \\"C:\\\\dir\\\\\\"')).toBe('cd "C:\\dir\\"');
    // A lone backslash before anything else stays.
    expect(unescapeWazuhValue('a\\tb\\')).toBe('a\\tb\\');
    expect(unescapeWazuhValue('plain')).toBe('plain');
  });

  it('accepts the time formats the sources write and rejects garbage', () => {
    expect(toIsoTimestamp('2019-11-14T17:10:15.1515514Z')).toBe('2019-11-14T17:10:15.151Z');
    expect(toIsoTimestamp('2024-01-01T00:00:00.000+0000')).toBe('2024-01-01T00:00:00.000Z');
    expect(toIsoTimestamp('2020-10-27 20:00:14.320')).toBe('2020-10-27T20:00:14.320Z');
    expect(toIsoTimestamp(1704067200000)).toBe('2024-01-01T00:00:00.000Z');
    expect(toIsoTimestamp('yesterday')).toBeUndefined();
    expect(toIsoTimestamp(undefined)).toBeUndefined();
    expect(Number.isNaN(parseTime('2024-13-45T00:00:00Z'))).toBe(true);
  });
});
