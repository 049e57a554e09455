import { KeyObject, sign, verify } from 'node:crypto';

/*
 * Compact JWS (RFC 7515) for the three algorithms we sign with, on node:crypto with parsed KeyObjects.
 * jsonwebtoken, under @nestjs/jwt and passport-jwt, has no EdDSA and re-parses keys on every call;
 * this is small enough to read whole. Verification follows RFC 8725: the algorithm is the key's own
 * (the header cannot choose it), the key is found by kid among ours only (jwk, jku, x5u and other
 * header keys are never used), and a `crit` header is refused.
 */
export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'RS256';
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256'];

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

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signJws(header: JwsHeader, payload: object, privateKey: KeyObject): string {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = sign(DIGEST[header.alg], Buffer.from(input), keyInput(header.alg, privateKey));
  return `${input}.${signature.toString('base64url')}`;
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
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!isObject(header) || !isObject(payload)) return null;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return null;
  }
}

/** Checks the signature with the key's own algorithm; the header's alg must name that same algorithm. */
export function verifyJwsSignature(jws: DecodedJws, algorithm: SigningAlgorithm, publicKey: KeyObject): boolean {
  if (jws.header.alg !== algorithm || jws.header.crit !== undefined) return false;
  try {
    return verify(DIGEST[algorithm], Buffer.from(jws.signingInput), keyInput(algorithm, publicKey), jws.signature);
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
