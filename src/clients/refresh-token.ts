import { createHmac, hash, randomBytes } from 'node:crypto';

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

/*
 * Secrets are cut from 4 KiB of random bytes drawn at once, as node's own randomUUID does: one call
 * to the generator per refresh cost more than the bytes (docs/benchmarks.md). Each byte is handed out
 * once and zeroed as it goes.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

export function newSecret(): string {
  if (used + 32 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const secret = pool.toString('base64url', used, used + 32);
  pool.fill(0, used, used + 32);
  used += 32;
  return secret;
}

/** A client id as this server makes them (a lower-case UUID); anything else is simply unknown. */
export function isClientId(id: string): boolean {
  return CLIENT_ID.test(id);
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
 * can open it, and a database dump alone opens nothing. The seal is the successor's 32 bytes XORed
 * with HMAC-SHA256(previous secret, label): a one-time pad from a PRF under a uniformly random
 * 256-bit key that seals exactly one stored value (a secret wins one rotation; a concurrent loser's
 * seal is discarded, never stored or sent). Its integrity needs no tag: an opened successor counts
 * only if it hashes to the row's live hash. AES-GCM with an HKDF key did the same for about 15% of a
 * refresh's time under load (measured); this is one HMAC.
 */
function pad(previousSecret: string): Buffer {
  return createHmac('sha256', previousSecret).update('refresh-auth successor v3').digest();
}

function xor(bytes: Buffer, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) out[i] = bytes[i] ^ key[i];
  return out;
}

export function sealSuccessor(previousSecret: string, successorSecret: string): string {
  return xor(Buffer.from(successorSecret, 'base64url'), pad(previousSecret)).toString('base64url');
}

/** The sealed successor if `previousSecret` opens it to the secret whose hash is `liveHash`, else null. */
export function openSuccessor(previousSecret: string, sealed: string, liveHash: string): string | null {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length !== 32) return null;
  const successor = xor(bytes, pad(previousSecret)).toString('base64url');
  return hashSecret(successor) === liveHash ? successor : null;
}
