/**
 * Splits a text stream into JSON documents without holding the whole file: NDJSON (one per line), a single JSON
 * array of objects, or concatenated pretty-printed objects (evtx_dump). Each document comes with the 1-based line
 * it starts on, for `file:line` origin ids. Line mode is the fast path; the structural splitter is used only when
 * the content is not one document per line.
 */

export interface JsonText {
  /** 1-based line number where the document starts. */
  line: number;
  text: string;
}

/**
 * Lines of a text stream; `\r\n` endings lose their `\r`. Yields the lines of each chunk as one array: one
 * await per chunk instead of per line keeps the per-document overhead at a string slice.
 */
export async function* splitLines(chunks: AsyncIterable<string>, first?: string): AsyncGenerator<JsonText[]> {
  let rest = '';
  let line = 0;
  // The partial line left from the previous chunk is joined with the head of the next one only: prepending it to
  // the whole chunk made a cons string that the first indexOf flattened, copying every 1 MB chunk once more.
  const withoutCr = (s: string): string => (s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s);
  const cut = (chunk: string): JsonText[] => {
    const out: JsonText[] = [];
    let start = 0;
    if (rest.length > 0) {
      const nl = chunk.indexOf('\n');
      if (nl < 0) {
        rest += chunk;
        return out;
      }
      line++;
      out.push({ line, text: withoutCr(rest + chunk.slice(0, nl)) });
      rest = '';
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      line++;
      const end = nl > start && chunk.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      out.push({ line, text: chunk.slice(start, end) });
      start = nl + 1;
    }
    rest = chunk.slice(start);
    return out;
  };
  if (first !== undefined && first.length > 0) {
    const out = cut(first);
    if (out.length > 0) yield out;
  }
  for await (const chunk of chunks) {
    const out = cut(chunk);
    if (out.length > 0) yield out;
  }
  if (rest.length > 0) {
    line++;
    yield [{ line, text: withoutCr(rest) }];
  }
}

/**
 * Top-level JSON values of a stream of concatenated values (optionally wrapped in one array): tracks strings and
 * nesting depth only, so malformed content still comes out as a text that JSON.parse then rejects.
 */
export async function* splitValues(
  chunks: AsyncIterable<string>,
  first?: string,
): AsyncGenerator<JsonText[]> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let arrayWrapped: boolean | undefined;
  let buf = '';
  let startLine = 0;
  let line = 1;
  let started = false;
  const feed = function (chunk: string): JsonText[] {
    const out: JsonText[] = [];
    let segStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (!started) {
        if (c === 32 || c === 10 || c === 13 || c === 9 || c === 44) continue;
        if (c === 91 && arrayWrapped === undefined) {
          arrayWrapped = true;
          continue;
        }
        if (c === 93 && arrayWrapped) continue;
        arrayWrapped = arrayWrapped ?? false;
        started = true;
        startLine = line;
        segStart = i;
        buf = '';
      }
      if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        depth--;
        if (depth <= 0) {
          out.push({ line: startLine, text: buf + chunk.slice(segStart, i + 1) });
          buf = '';
          depth = 0;
          started = false;
        }
      }
    }
    if (started) buf += chunk.slice(segStart);
    return out;
  };
  if (first !== undefined) yield feed(first);
  for await (const chunk of chunks) yield feed(chunk);
  if (started && buf.trim() !== '') yield [{ line: startLine, text: buf }];
}

/**
 * Choose the splitter from the first chunk: a leading "[" means an array; a first line that parses on its own
 * means NDJSON; anything else (pretty-printed objects) goes through the structural splitter.
 */
export async function* splitJson(
  chunks: AsyncIterable<string>,
  lineMode: boolean,
): AsyncGenerator<JsonText[]> {
  if (lineMode) {
    yield* splitLines(chunks);
    return;
  }
  const it = chunks[Symbol.asyncIterator]();
  let head = '';
  // Collect enough to see the first line.
  for (;;) {
    const nl = head.indexOf('\n');
    if (nl >= 0 || head.length > 1 << 20) break;
    const r = await it.next();
    if (r.done) break;
    head += r.value;
  }
  const rest: AsyncIterable<string> = { [Symbol.asyncIterator]: () => it };
  const trimmed = head.trimStart();
  let ndjson = false;
  if (!trimmed.startsWith('[')) {
    const nl = head.indexOf('\n');
    const firstLine = (nl >= 0 ? head.slice(0, nl) : head).trim();
    if (firstLine === '') ndjson = false;
    else {
      try {
        JSON.parse(firstLine);
        ndjson = true;
      } catch {
        ndjson = false;
      }
    }
  }
  if (ndjson) yield* splitLines(rest, head);
  else yield* splitValues(rest, head);
}
