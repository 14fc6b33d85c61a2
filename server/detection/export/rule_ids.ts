/**
 * Stable identifiers for exported rules: a UUID v5 (RFC 4122, SHA-1, our own namespace) of the rule id, so
 * re-exports keep the same Sigma `id` and Elastic `rule_id` and `_import?overwrite=true` updates in place.
 */
import { createHash } from 'crypto';

/** Namespace UUID for APT Detection rule ids (a random v4 fixed once; never change it). */
const NAMESPACE = '7d1f3c52-8a4e-4b1a-9d2e-5f6a7b8c9d0e';

export function uuidV5(name: string, namespace: string = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function exportedRuleUuid(ruleId: string): string {
  return uuidV5(ruleId);
}
