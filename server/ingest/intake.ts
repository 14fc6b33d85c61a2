/**
 * The ingest path: parse a request body, check each document can be normalized, write the good ones durably to the
 * intake index (the detection task picks them up from there), send the bad ones to the dead-letter index, and
 * answer with per-line results. A document counts as accepted only after Elasticsearch acknowledged its write.
 */
import { createHash } from 'crypto';
import type { IngestLineError, IngestResponse } from '../../common/api';
import { isRejection } from '../../common/event';
import type { ElasticsearchClient } from '../kibana_types';
import { normalizeDocument } from '../normalize';
import { deadLetterId, deadLetterMappings } from '../sources/dead_letter';
import { parseIngestBody } from './parse_body';

function lineId(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 40);
}

export type IntakeKind = 'event' | 'alert';

export interface IntakeOptions {
  index: string;
  deadLetterIndex: string;
  maxDocuments: number;
}

export class TooManyDocumentsError extends Error {}

/**
 * Intake documents go to daily indices (`<intake.index>-YYYY.MM.DD`) so housekeeping can drop whole old days: the
 * development Elasticsearch has no delete_by_query, and dropping an index is cheaper on any cluster.
 */
export function intakeIndexForDay(base: string, iso: string): string {
  return `${base}-${iso.slice(0, 10).replace(/-/g, '.')}`;
}

export const intakeIndexTemplate = (index: string) => ({
  name: `${index}-template`,
  index_patterns: [`${index}-*`],
  template: {
    settings: { number_of_shards: 1, number_of_replicas: 0 },
    mappings: {
      dynamic: 'strict' as const,
      properties: {
        '@timestamp': { type: 'date' as const },
        intake: {
          properties: {
            kind: { type: 'keyword' as const },
            caller: { type: 'keyword' as const },
            line: { type: 'long' as const },
            seq: { type: 'keyword' as const },
          },
        },
        // Raw documents of any shape: stored, not indexed, so no mapping explosion or type conflicts.
        document: { type: 'object' as const, enabled: false },
      },
    },
  },
});

/** One dead-letter layout for every source (server/sources/dead_letter), plus the parsed original the API keeps. */
export const deadLetterIndexTemplate = (index: string) => ({
  name: `${index}-template`,
  index_patterns: [index],
  template: {
    settings: { number_of_shards: 1, number_of_replicas: 0 },
    mappings: {
      properties: {
        ...deadLetterMappings.properties,
        original: { type: 'object' as const, enabled: false },
      },
    },
  },
});

/** The raw document inside an intake record (what the detection task normalizes). */
export function unwrapIntakeDocument(source: unknown): unknown {
  return typeof source === 'object' && source !== null && 'document' in source
    ? (source as { document: unknown }).document
    : source;
}

export async function ensureIntakeIndices(es: ElasticsearchClient, opts: IntakeOptions): Promise<void> {
  for (const t of [intakeIndexTemplate(opts.index), deadLetterIndexTemplate(opts.deadLetterIndex)]) {
    await es.indices.putIndexTemplate(t);
  }
}

export class IntakeService {
  accepted = 0;
  rejected = 0;

  constructor(private readonly opts: IntakeOptions) {}

  /** `es` is the caller's client: in Kibana the current user's, so index privileges apply to ingest too. */
  async ingest(
    es: ElasticsearchClient,
    kind: IntakeKind,
    body: Buffer,
    caller: string,
  ): Promise<IngestResponse> {
    const lines = parseIngestBody(body);
    if (lines.length > this.opts.maxDocuments) {
      throw new TooManyDocumentsError(
        `${lines.length} documents in one request; the limit is ${this.opts.maxDocuments}`,
      );
    }
    const errors: IngestLineError[] = [];
    const good: typeof lines = [];
    const route = kind === 'event' ? 'events/_ingest' : 'alerts/_ingest';
    for (const l of lines) {
      if (l.error || !l.doc) {
        errors.push({ line: l.line, reason: l.error ?? 'empty document', field: '' });
        continue;
      }
      const res = normalizeDocument(l.doc, { kind: 'ingest_api', location: route, id: `line:${l.line}` });
      if (isRejection(res)) errors.push({ line: l.line, reason: res.reason, field: res.field });
      else good.push(l);
    }
    const now = new Date().toISOString();
    let accepted = 0;
    if (good.length) {
      const ops = good.flatMap((l) => {
        // Retry-safe: the same document sent again lands on the same id instead of a duplicate.
        const id = createHash('sha256').update(kind).update('\n').update(l.text).digest('hex').slice(0, 40);
        return [
          { index: { _index: intakeIndexForDay(this.opts.index, now), _id: id } },
          { '@timestamp': now, intake: { kind, caller, line: l.line, seq: `${now}|${id}` }, document: l.doc },
        ];
      });
      const res = await es.bulk({ operations: ops });
      res.items.forEach((item, i) => {
        const r = item.index;
        if (r && r.status >= 200 && r.status < 300) accepted++;
        else
          errors.push({
            line: good[i].line,
            reason: `not stored: ${r?.error?.reason ?? `status ${r?.status}`}`,
            field: '',
          });
      });
    }
    const rejectedLines = errors.filter((e) => !e.reason.startsWith('not stored'));
    if (rejectedLines.length) await this.deadLetter(es, rejectedLines, lines, route, now);
    this.accepted += accepted;
    this.rejected += errors.length;
    errors.sort((a, b) => a.line - b.line);
    return { accepted, rejected: errors.length, errors };
  }

  private async deadLetter(
    es: ElasticsearchClient,
    errors: IngestLineError[],
    lines: ReturnType<typeof parseIngestBody>,
    route: string,
    now: string,
  ): Promise<void> {
    const byLine = new Map(lines.map((l) => [l.line, l]));
    const ops = errors.flatMap((e) => {
      const l = byLine.get(e.line);
      return [
        // The same request retried lands on the same dead letters instead of duplicates.
        {
          index: {
            _index: this.opts.deadLetterIndex,
            _id: deadLetterId({
              kind: 'ingest_api',
              location: route,
              id: `${e.line}:${lineId(l?.text ?? '')}`,
            }),
          },
        },
        {
          '@timestamp': now,
          reason: e.reason,
          field: e.field,
          source: { kind: 'ingest_api', location: route, id: `line:${e.line}` },
          original: l?.doc,
          original_text: l?.doc ? undefined : l?.text.slice(0, 32768),
        },
      ];
    });
    await es.bulk({ operations: ops });
  }
}
