import { isRejection, type Event } from '../../../common/event';
import { normalizeEvtxXml, resolveCharacterReferences } from './evtx_xml';

const origin = { kind: 'file' as const, format: 'evtx' as const, location: 'test.evtx', id: 'test.evtx#1' };

function record(commandLine: string): string {
  return (
    '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>' +
    '<Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/>' +
    '<EventID>1</EventID><TimeCreated SystemTime="2019-11-04T09:27:26.175Z"/><EventRecordID>7</EventRecordID>' +
    '<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>SQL01</Computer></System><EventData>' +
    '<Data Name="Image">C:\\Windows\\System32\\cmd.exe</Data>' +
    `<Data Name="CommandLine">${commandLine}</Data></EventData></Event>`
  );
}

function commandLine(xml: string): string | undefined {
  const r = normalizeEvtxXml(xml, origin);
  if (isRejection(r)) throw new Error(r.reason);
  return (r as Event).process?.command_line;
}

describe('EVTX XML records', () => {
  it('decodes numeric character references, as XML defines them', () => {
    expect(
      commandLine(record('cmd /c xp_cmdshell &#x27;whoami&#x27; &amp; echo &#39;done&#39; &lt;x&gt;')),
    ).toBe("cmd /c xp_cmdshell 'whoami' & echo 'done' <x>");
  });

  it('keeps an escaped ampersand followed by a reference as literal text', () => {
    expect(commandLine(record('echo &amp;#x27;'))).toBe('echo &#x27;');
  });

  it('keeps a reference to a markup character a reference, so the record still parses', () => {
    expect(commandLine(record('a &#60;b&#62; &#x26;&#38;lt; &#34;q&#34;'))).toBe('a <b> &&lt; "q"');
  });

  it('leaves references to no character as written', () => {
    expect(resolveCharacterReferences('x &#x110000; &#xD800; &#55296; &#x1F600; &#233;')).toBe(
      'x &#x110000; &#xD800; &#55296; \u{1F600} \u00e9',
    );
  });
});
