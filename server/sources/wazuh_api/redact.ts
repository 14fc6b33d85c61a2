/**
 * Removes credentials from text before it reaches a log line or an error message. Wazuh errors and Node
 * transport errors can echo request details; we scrub known secrets by value and anything shaped like an
 * Authorization header, a JWT or URL userinfo by pattern, so a new code path cannot leak one by accident.
 */
const REDACTED = '[REDACTED]';

const PATTERNS: RegExp[] = [
  /\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, // Authorization header values
  /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, // JWTs (header always starts with '{"' -> eyJ)
  /(\/\/)[^/\s:@]+:[^/\s@]+@/g, // https://user:pass@host
  /((?:password|passwd|token|secret)["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi, // key=value / "key": "value"
];

export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    // Very short secrets would redact ordinary words; they are still caught by the patterns above.
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(PATTERNS[0], (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(PATTERNS[1], REDACTED);
  out = out.replace(PATTERNS[2], `$1${REDACTED}@`);
  out = out.replace(PATTERNS[3], `$1${REDACTED}`);
  return out;
}
