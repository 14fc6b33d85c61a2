/**
 * dns.question.{registered_domain,subdomain,top_level_domain} from the public-suffix list, as the Winlogbeat
 * Sysmon pipeline's `registered_domain` processor computes them. Detectors key DNS-tunnel features on the
 * subdomain, so this must follow the real suffix list (co.uk, github.io), not "last two labels".
 */
import { parse } from 'tldts';

export interface DomainParts {
  registered_domain?: string;
  subdomain?: string;
  top_level_domain?: string;
}

const cache = new Map<string, DomainParts>();
const CACHE_LIMIT = 50_000;

export function domainParts(name: string): DomainParts {
  const hit = cache.get(name);
  if (hit) return hit;
  const host = name.endsWith('.') ? name.slice(0, -1) : name;
  const r = parse(host, { allowPrivateDomains: true, extractHostname: false, validateHostname: false });
  const out: DomainParts = {};
  if (r.domain) out.registered_domain = r.domain;
  if (r.subdomain) out.subdomain = r.subdomain;
  if (r.publicSuffix && r.domain) out.top_level_domain = r.publicSuffix;
  // Query names repeat heavily (the same few thousand domains); tunnel names never repeat, so cap the cache.
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(name, out);
  return out;
}
