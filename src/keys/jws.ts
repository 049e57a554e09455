import { KeyObject, sign, verify } from 'node:crypto';
import type { SigningAlgorithm } from '../config/env';

/*
 * Compact JWS (RFC 7515) for the three algorithms we sign with, on node:crypto with parsed KeyObjects.
 * jsonwebtoken, under @nestjs/jwt and passport-jwt, has no EdDSA; this is small enough to read whole.
 * Verification follows RFC 8725: the algorithm is the key's own (the header cannot choose it), the
 * key is found by kid among ours only (jwk, jku, x5u and other header keys are never used), and a
 * `crit` header is refused. A token has one spelling only: a canonical base64url signature, low-S ECDSA.
 */

export interface JwsHeader {
  alg: SigningAlgorithm;
  kid: string;
  typ: string;
}

const DIGEST: Record<SigningAlgorithm, string | null> = { ES256: 'sha256', EdDSA: null, RS256: 'sha256' };

function keyInput(algorithm: SigningAlgorithm, key: KeyObject) {
  // JWS carries ECDSA signatures as r||s (IEEE P1363), not DER.
  return algorithm === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
}

/*
 * ECDSA is malleable: if (r, s) verifies, so does (r, n - s). We emit and accept only s <= n/2
 * ("low-S"), so one token cannot verify in a second spelling (a new cache key, a replay under
 * another string). P-256's group order n:
 */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_N = P256_N >> 1n;

const scalar = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex')}`);

function lowS(signature: Buffer): Buffer {
  const s = scalar(signature.subarray(32));
  if (s <= P256_HALF_N) return signature;
  const low = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
  return Buffer.concat([signature.subarray(0, 32), low]);
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const compact = (alg: SigningAlgorithm, input: string, signature: Buffer) => `${input}.${(alg === 'ES256' ? lowS(signature) : signature).toString('base64url')}`;

export function signJws(header: JwsHeader, payload: object, privateKey: KeyObject): string {
  const input = `${encode(header)}.${encode(payload)}`;
  return compact(header.alg, input, sign(DIGEST[header.alg], Buffer.from(input), keyInput(header.alg, privateKey)));
}

/*
 * The same token, signed on libuv's thread pool: the signature is the largest piece of a refresh's CPU
 * time, and off the event loop it runs beside the next request's work (docs/benchmarks.md, same-run A/B).
 */
export function signJwsAsync(header: JwsHeader, payload: object, privateKey: KeyObject): Promise<string> {
  const input = `${encode(header)}.${encode(payload)}`;
  return new Promise((resolve, reject) => {
    sign(DIGEST[header.alg], Buffer.from(input), keyInput(header.alg, privateKey), (error, signature) =>
      error ? reject(error) : resolve(compact(header.alg, input, signature)),
    );
  });
}

export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Splits and parses without trusting anything; null for anything that is not a compact JWS of JSON objects. */
export function decodeJws(token: string): DecodedJws | null {
  if (token.length > 8192) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return null;
  const signature = Buffer.from(parts[2], 'base64url');
  // The last base64url character has spare bits: other spellings of the same signature are refused.
  if (signature.toString('base64url') !== parts[2]) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!isObject(header) || !isObject(payload)) return null;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature };
  } catch {
    return null;
  }
}

/** Checks the signature with the key's own algorithm; the header's alg must name that same algorithm. */
export function verifyJwsSignature(jws: DecodedJws, algorithm: SigningAlgorithm, publicKey: KeyObject): boolean {
  if (jws.header.alg !== algorithm || jws.header.crit !== undefined) return false;
  if (algorithm === 'ES256' && (jws.signature.length !== 64 || scalar(jws.signature.subarray(32)) > P256_HALF_N)) return false;
  try {
    return verify(DIGEST[algorithm], Buffer.from(jws.signingInput), keyInput(algorithm, publicKey), jws.signature);
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
