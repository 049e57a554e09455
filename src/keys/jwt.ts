import { CompactSign, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '../config/env';

/*
 * Every JWT we sign or verify goes through jose (panva/jose). Our own rules sit on top, as small checks:
 * a token has one spelling only (canonical base64url, low-S ECDSA), its `alg` is its key's own (the
 * header cannot choose it), the key is found by kid among ours only (jwk, jku, x5u are never used; jose
 * refuses an unknown `crit`), the `typ` is the one the caller expects, and its lifetime is bounded.
 */

export interface JwtSigningKey {
  kid: string;
  algorithm: SigningAlgorithm;
  privateKey: KeyObject;
}

export interface JwtVerificationKey {
  algorithm: SigningAlgorithm;
  publicKey: KeyObject;
}

export type JwtRejection = 'invalid' | 'expired';

export class JwtRejected extends Error {
  constructor(readonly reason: JwtRejection) {
    super(reason);
  }
}

export interface JwtRules {
  /** The expected `typ` (compared as RFC 8725 §3.11 says: case-insensitive, `application/` optional). */
  typ: string;
  /** Our key with this kid, if any: never a key the token names some other way. */
  key(kid: unknown): Promise<JwtVerificationKey | undefined>;
  issuer: string;
  audience?: string;
  /** `exp - iat` at most this many seconds (plus the tolerance): a leaked key cannot mint long-lived tokens. */
  maxLifetime: number;
  /** Now, in milliseconds, on the caller's clock. */
  now: number;
  clockTolerance: number;
  /** Claims that must be present besides iat and exp. */
  requiredClaims?: string[];
}

/*
 * ECDSA is malleable: if (r, s) verifies, so does (r, n - s). We emit and accept only s <= n/2
 * ("low-S"), so one token cannot verify in a second spelling (a new cache key, a replay under
 * another string). P-256's group order n:
 */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
/** n/2 as 32 big-endian bytes: comparing bytes is cheaper than a BigInt per signature. */
const P256_HALF_N = Buffer.from((P256_N >> 1n).toString(16).padStart(64, '0'), 'hex');
const scalar = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex')}`);

const isHighS = (signature: Buffer) => signature.length !== 64 || Buffer.compare(signature.subarray(32), P256_HALF_N) > 0;

/** The same token with s replaced by n - s when s is high: WebCrypto emits either. */
function withLowS(token: string): string {
  const dot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  if (!isHighS(signature)) return token;
  const low = Buffer.from((P256_N - scalar(signature.subarray(32))).toString(16).padStart(64, '0'), 'hex');
  return `${token.slice(0, dot)}.${Buffer.concat([signature.subarray(0, 32), low]).toString('base64url')}`;
}

/**
 * A compact JWT signed with our key. jose signs with WebCrypto's subtle.sign, which Node runs on
 * libuv's thread pool: the signature stays off the event loop.
 */
export async function signJwt(claims: object, key: JwtSigningKey, header: { typ: string }): Promise<string> {
  // CompactSign, not SignJWT: our claims are built by us, and SignJWT's claim builder cost ~8 µs a token (measured).
  const payload = Buffer.from(JSON.stringify(claims));
  const token = await new CompactSign(payload).setProtectedHeader({ ...header, alg: key.algorithm, kid: key.kid }).sign(key.privateKey);
  return key.algorithm === 'ES256' ? withLowS(token) : token;
}

const MAX_TOKEN_LENGTH = 8192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The verified claims, or JwtRejected ('expired' only for a token that is valid in every other way). */
export async function verifyJwt(token: string, rules: JwtRules): Promise<JWTPayload> {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) throw new JwtRejected('invalid');
  const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
  // The last base64url character has spare bits, which jose's decoder ignores: refuse other spellings.
  if (signature.toString('base64url') !== token.slice(token.lastIndexOf('.') + 1)) throw new JwtRejected('invalid');
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new JwtRejected('invalid');
  }
  const key = await rules.key(header.kid);
  if (!key) throw new JwtRejected('invalid');
  if (key.algorithm === 'ES256' && isHighS(signature)) throw new JwtRejected('invalid');

  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, key.publicKey, {
      // The key's own algorithm, never the header's choice: no `none`, no HS256 keyed with our public key.
      algorithms: [key.algorithm],
      typ: rules.typ,
      issuer: rules.issuer,
      audience: rules.audience,
      requiredClaims: ['iat', 'exp', ...(rules.requiredClaims ?? [])],
      currentDate: new Date(rules.now),
      clockTolerance: rules.clockTolerance,
    }));
  } catch (error) {
    // jose reports expiry only after the signature, issuer and audience checked out; our rules still apply.
    if (error instanceof errors.JWTExpired && withinLifetime(error.payload, rules)) throw new JwtRejected('expired');
    throw new JwtRejected('invalid');
  }
  if (!withinLifetime(claims, rules)) throw new JwtRejected('invalid');
  return claims;
}

/** Issued no later than now, and living no longer than the rules allow (jose checks neither). */
function withinLifetime({ iat, exp }: JWTPayload, rules: JwtRules): boolean {
  const now = rules.now / 1000;
  return (
    typeof iat === 'number' && typeof exp === 'number' && iat - rules.clockTolerance <= now && exp - iat <= rules.maxLifetime + rules.clockTolerance
  );
}
