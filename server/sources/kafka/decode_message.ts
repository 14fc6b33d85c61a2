/**
 * One Kafka message -> Event or Rejection. Winlogbeat's Kafka output writes the event itself as JSON (with an
 * `@metadata` envelope); Wazuh alerts shipped by Filebeat arrive inside a Filebeat event with the alert as a JSON
 * *string* in `message` (the wazuh module parses it only in its Elasticsearch ingest pipeline, which a Kafka consumer
 * never runs). A raw alert without the envelope is accepted too.
 */
import type { EventOrigin, InputFormat, NormalizeResult, Rejection } from '../../../common/event';
import { normalizeDocument } from '../../normalize';

export type KafkaStreamKind = 'winlogbeat' | 'wazuh';

export interface KafkaMessageRef {
  topic: string;
  partition: number;
  offset: string;
}

/** `topic:partition:offset`: unique and stable, so a re-delivered message maps to the same event and alert ids. */
export function kafkaOriginId(m: KafkaMessageRef): string {
  return `${m.topic}:${m.partition}:${m.offset}`;
}

function reject(
  origin: Omit<EventOrigin, 'format'>,
  kind: KafkaStreamKind,
  field: string,
  reason: string,
  original: unknown,
): Rejection {
  // Nothing was recognised yet; the stream's expected format is the best description of what it should have been.
  const format: InputFormat = kind === 'wazuh' ? 'wazuh_alert' : 'winlogbeat_raw';
  return { rejected: true, reason, field, origin: { ...origin, format }, original };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Filebeat envelope's `message`, parsed; or the document itself when it is not an envelope. */
function unwrapFilebeat(doc: Record<string, unknown>): { doc?: unknown; error?: string } {
  if (typeof doc.message !== 'string') return { doc };
  try {
    const alert: unknown = JSON.parse(doc.message);
    if (!isObject(alert)) return { error: 'Filebeat envelope: message is JSON but not an object' };
    return { doc: alert };
  } catch (err) {
    return {
      error: `Filebeat envelope: message is not JSON (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}

export function decodeKafkaMessage(
  value: Buffer | null,
  ref: KafkaMessageRef,
  kind: KafkaStreamKind,
  opts: { keepOriginal?: boolean } = {},
): NormalizeResult {
  const origin = { kind: 'kafka' as const, location: ref.topic, id: kafkaOriginId(ref) };
  if (!value || value.length === 0) {
    return reject(origin, kind, '', 'empty Kafka message (no value or a tombstone)', null);
  }
  const text = value.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return reject(
      origin,
      kind,
      '',
      `message value is not JSON: ${err instanceof Error ? err.message : String(err)}`,
      text,
    );
  }
  if (!isObject(parsed)) return reject(origin, kind, '', 'message value is JSON but not an object', parsed);
  let doc: unknown = parsed;
  if (kind === 'wazuh') {
    const unwrapped = unwrapFilebeat(parsed);
    if (unwrapped.error) return reject(origin, kind, 'message', unwrapped.error, parsed);
    doc = unwrapped.doc;
  }
  try {
    return normalizeDocument(doc, origin, { keepOriginal: opts.keepOriginal });
  } catch (err) {
    // A normalizer bug on one message must not block its partition forever: it becomes a dead letter.
    return reject(
      origin,
      kind,
      '',
      `normalizer failed: ${err instanceof Error ? err.message : String(err)}`,
      doc,
    );
  }
}
