import {
  calculateJwkThumbprint,
  type CryptoKey,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  jwtVerify,
  type JWK,
  type ProtectedHeaderParameters,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';

/** RFC 9449 §4.2: asymmetric only. ES256 and EdDSA are what WebCrypto and every platform key store make. */
export const DPOP_ALGORITHMS = ['ES256', 'EdDSA'] as const;
/** How far a proof's iat may lie from our clock, either way (seconds). */
export const DPOP_IAT_WINDOW_SECONDS = 60;
const MAX_PROOF_LENGTH = 4096;
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Device keys kept imported: a device signs every proof with the same key. */
const KEY_CACHE_ENTRIES = 10_000;
/** A P-256 or Ed25519 JWK with its optional members is far smaller; a larger one is checked, not kept (the cache stays within ~10 MB). */
const KEY_CACHE_MAX_JWK_LENGTH = 1024;

interface ImportedKey {
  key: CryptoKey;
  /** RFC 7638 thumbprint (SHA-256, base64url). */
  jkt: string;
}

/**
 * The proofs' keys, imported once: importing the header's JWK into WebCrypto and the thumbprint cost
 * more than the signature check itself (about 220 and 40 µs of CPU against 140, docs/benchmarks.md).
 * The import is still jose's `EmbeddedJWK`, with all its checks; it reads only the header's `alg` and
 * `jwk`, which are the cache's key (the `jwk` as sent), so a cached key is what the import would give.
 * A failed import is not kept.
 */
const importedKeys = new LRUCache<string, Promise<ImportedKey>>({ max: KEY_CACHE_ENTRIES });

function importProofKey(header: ProtectedHeaderParameters, jwk: JWK): Promise<ImportedKey> {
  const id = `${String(header.alg)}.${JSON.stringify(jwk)}`;
  let imported = importedKeys.get(id);
  if (!imported) {
    imported = (async () => {
      const key = await EmbeddedJWK({ alg: header.alg, jwk }, { payload: '', signature: '' });
      return { key, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
    })();
    if (id.length > KEY_CACHE_MAX_JWK_LENGTH) return imported;
    importedKeys.set(id, imported);
    imported.catch(() => importedKeys.delete(id));
  }
  return imported;
}

/** Why a proof is refused (the RFC 9449 error code and a description safe to show). */
export class DpopProofInvalid extends Error {
  constructor(
    message: string,
    readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce' = 'invalid_dpop_proof',
  ) {
    super(message);
  }
}

/** What a proof must say of the request it came with. */
export interface DpopExpectations {
  /** The request's method, upper case. */
  method: string;
  /** The request's URL as we publish it: scheme, host and path, no query or fragment. */
  url: string;
  /** Now, in milliseconds, on the caller's clock. */
  now: number;
  /** On a resource request: the access token the proof must hash into `ath`. */
  accessToken?: string;
  /** When the server asks for nonces: whether this one is current. Absent: a nonce, if any, is ignored. */
  nonceIsValid?: (nonce: string) => boolean;
}

export interface VerifiedProof {
  /** RFC 7638 thumbprint (SHA-256, base64url) of the proof's key: what `cnf.jkt` names. */
  jkt: string;
  jti: string;
  iat: number;
}

/** base64url(SHA-256(access token)): the `ath` claim (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/** scheme://host[:port]/path of a URL, query and fragment dropped, as the WHATWG parser normalises it; null if not http(s). */
export function htuOf(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * Verifies one DPoP proof (RFC 9449 §4.3) with jose: `typ: dpop+jwt`, ES256 or EdDSA, signed by the
 * public key in its own `jwk` header. On top, our rules: no private part in that header, `htm`,
 * `htu`, `iat` within the window, a bounded `jti`, `ath` on resource requests, the nonce when asked.
 * Whether the jti was seen before is the replay cache's question (it needs the verified proof first).
 */
export async function verifyDpopProof(proof: string, expected: DpopExpectations): Promise<VerifiedProof> {
  if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) throw new DpopProofInvalid('The DPoP proof is not a compact JWS');
  let header;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw new DpopProofInvalid('The DPoP proof header is malformed');
  }
  // Before jose sees it: a private key in the header means the device's key has leaked, whatever jose would say.
  const jwk = header.jwk as (JWK & Record<string, unknown>) | undefined;
  if (!jwk || typeof jwk !== 'object') throw new DpopProofInvalid('The DPoP proof has no jwk header');
  if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((member) => member in jwk))
    throw new DpopProofInvalid('The jwk header must hold a public key only');
  if (!(DPOP_ALGORITHMS as readonly unknown[]).includes(header.alg))
    throw new DpopProofInvalid(`The DPoP proof must be signed with ${DPOP_ALGORITHMS.join(' or ')}`);

  let payload;
  let imported: ImportedKey;
  try {
    imported = await importProofKey(header, jwk);
    ({ payload } = await jwtVerify(proof, imported.key, {
      typ: 'dpop+jwt',
      algorithms: [...DPOP_ALGORITHMS],
      currentDate: new Date(expected.now),
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
    }));
  } catch (error) {
    // Everything here came from the client (the key included): whatever jose or WebCrypto throws is a bad proof, never a 500.
    throw new DpopProofInvalid(`The DPoP proof is invalid (${error instanceof errors.JOSEError ? error.code : 'malformed key'})`);
  }
  // jose checks presence; these check what the claims say.
  const { jti, htm, htu, iat, ath, nonce } = payload as Record<string, unknown>;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw new DpopProofInvalid('The DPoP proof jti is malformed');
  if (htm !== expected.method) throw new DpopProofInvalid('The DPoP proof htm does not match the request method');
  if (typeof htu !== 'string' || htuOf(htu) !== htuOf(expected.url)) throw new DpopProofInvalid('The DPoP proof htu does not match the request URL');
  if (typeof iat !== 'number' || Math.abs(expected.now / 1000 - iat) > DPOP_IAT_WINDOW_SECONDS)
    throw new DpopProofInvalid('The DPoP proof iat is not recent');
  if (expected.accessToken !== undefined && ath !== accessTokenHash(expected.accessToken)) {
    throw new DpopProofInvalid('The DPoP proof ath does not match the access token');
  }
  if (expected.nonceIsValid && (typeof nonce !== 'string' || !expected.nonceIsValid(nonce))) {
    throw new DpopProofInvalid('A DPoP nonce is required', 'use_dpop_nonce');
  }
  return { jkt: imported.jkt, jti, iat };
}
