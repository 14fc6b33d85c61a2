/**
 * Splits an ingest request body into documents: NDJSON (one JSON object per line) or one JSON array. Each bad
 * line is reported with its 1-based line number (array element number for arrays) and the reason, and the other
 * lines go on.
 */
export interface ParsedLine {
  line: number;
  doc?: Record<string, unknown>;
  /** The exact text of the line, used for a retry-safe document id. */
  text: string;
  error?: string;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function parseIngestBody(body: Buffer): ParsedLine[] {
  const text = body.toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let arr: unknown;
    try {
      arr = JSON.parse(trimmed);
    } catch (e) {
      return [{ line: 1, text: '', error: `body is not valid JSON: ${(e as Error).message}` }];
    }
    if (!Array.isArray(arr)) return [{ line: 1, text: '', error: 'body must be a JSON array or NDJSON' }];
    return arr.map((el, i) => {
      const doc = asObject(el);
      return doc
        ? { line: i + 1, doc, text: JSON.stringify(el) }
        : { line: i + 1, text: JSON.stringify(el) ?? '', error: 'document must be a JSON object' };
    });
  }
  const out: ParsedLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (!raw.trim()) continue;
    try {
      const doc = asObject(JSON.parse(raw));
      out.push(
        doc
          ? { line: i + 1, doc, text: raw }
          : { line: i + 1, text: raw, error: 'document must be a JSON object' },
      );
    } catch (e) {
      out.push({ line: i + 1, text: raw, error: `invalid JSON: ${(e as Error).message}` });
    }
  }
  return out;
}
