/**
 * Access tokens for the standalone host when none are configured: an `all` token for the operator and a `read`
 * token for viewers, generated once (crypto-random) and kept in `.stack/host-tokens.json` (mode 600) so a restart
 * keeps the same ones.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { AptDetectionConfig } from '../../server/config';
import { STATE_DIR } from '../stack/paths';

type Tokens = AptDetectionConfig['ingest']['tokens'];

export const TOKENS_FILE = path.join(STATE_DIR, 'host-tokens.json');

export function ensureHostTokens(configured: Tokens): { tokens: Tokens; generated: boolean } {
  if (configured.length) return { tokens: configured, generated: false };
  try {
    const stored = JSON.parse(fs.readFileSync(TOKENS_FILE, 'utf8')) as Tokens;
    if (Array.isArray(stored) && stored.length) return { tokens: stored, generated: true };
  } catch {
    /* first start */
  }
  const tokens: Tokens = [
    { name: 'admin', token: randomBytes(24).toString('base64url'), privileges: ['all'] },
    { name: 'viewer', token: randomBytes(24).toString('base64url'), privileges: ['read'] },
  ];
  fs.mkdirSync(STATE_DIR, { recursive: true });
  fs.writeFileSync(TOKENS_FILE, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  return { tokens, generated: true };
}
