import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createHash, randomUUID } from 'node:crypto';

/** A device's DPoP key, as the SDK would hold it, making proofs (RFC 9449 §4) for tests. */
export interface DpopKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  jkt: string;
  proof(claims: ProofClaims, overrides?: ProofOverrides): Promise<string>;
}

export interface ProofClaims {
  htm: string;
  htu: string;
  /** The access token to hash into ath. */
  accessToken?: string;
  nonce?: string;
  /** Seconds; default now by the real clock (or `now`). */
  iat?: number;
  jti?: string;
}

export interface ProofOverrides {
  /** Replaces or adds header members (alg, typ, jwk). */
  header?: Record<string, unknown>;
  /** Milliseconds: the "now" the proof's iat is taken from. */
  now?: number;
}

export async function dpopKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    privateKey,
    publicJwk,
    jkt,
    proof: ({ htm, htu, accessToken, nonce, iat, jti }, { header = {}, now = Date.now() } = {}) =>
      new SignJWT({
        htm,
        htu,
        ...(accessToken !== undefined && { ath: createHash('sha256').update(accessToken).digest('base64url') }),
        ...(nonce !== undefined && { nonce }),
      })
        .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: publicJwk, ...header } as never)
        .setJti(jti ?? randomUUID())
        .setIssuedAt(iat ?? Math.floor(now / 1000))
        .sign(privateKey),
  };
}

/** The `DPoP` header of a request, and its `Authorization` when an access token goes with it. */
export async function dpopHeaders(key: DpopKey, method: string, url: string, accessToken?: string, nonce?: string): Promise<Record<string, string>> {
  const dpop = await key.proof({ htm: method, htu: url, accessToken, nonce });
  return accessToken === undefined ? { dpop } : { dpop, authorization: `DPoP ${accessToken}` };
}
