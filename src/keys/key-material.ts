import { calculateJwkThumbprint, exportJWK } from 'jose';
import { createCipheriv, createDecipheriv, generateKeyPairSync, hkdfSync, KeyObject, randomBytes } from 'node:crypto';
import type { SigningAlgorithm } from '../config/env';

export function generateKeyPair(algorithm: SigningAlgorithm): { publicKey: KeyObject; privateKey: KeyObject } {
  switch (algorithm) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
  }
}

/** The public JWK (RFC 7517), by jose, with only the members a verifier needs. */
export async function publicJwk(publicKey: KeyObject): Promise<Record<string, string>> {
  const { kty, crv, x, y, n, e } = await exportJWK(publicKey);
  const members = { kty, crv, x, y, n, e };
  return Object.fromEntries(Object.entries(members).filter(([, value]) => value !== undefined)) as Record<string, string>;
}

/** The RFC 7638 thumbprint (SHA-256), by jose: the kid of our keys. */
export async function thumbprint(publicKey: KeyObject): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(publicKey), 'sha256');
}

/*
 * Private keys at rest are stored as `enc:v1:<base64url(iv | tag | AES-256-GCM(PEM))>`, the key
 * derived from the key-encryption secret (key-encryption-secret.ts) by HKDF with the kid as salt, and the kid bound as associated data so a ciphertext cannot be moved to another row.
 */
const PREFIX = 'enc:v1:';

export const isEncrypted = (stored: string) => stored.startsWith(PREFIX);

const SIGNING_KEY_INFO = 'refresh-auth signing key v1';

function wrappingKey(secret: string, kid: string, info = SIGNING_KEY_INFO): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, kid, info, 32));
}

export function encryptPrivateKey(pem: string, secret: string, kid: string, info = SIGNING_KEY_INFO): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey(secret, kid, info), iv).setAAD(Buffer.from(kid));
  const sealed = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

export function decryptPrivateKey(stored: string, secret: string, kid: string, info = SIGNING_KEY_INFO): string {
  const bytes = Buffer.from(stored.slice(PREFIX.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', wrappingKey(secret, kid, info), bytes.subarray(0, 12)).setAAD(Buffer.from(kid));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}

/*
 * Other secrets at rest (TOTP secrets): the same format and the same key-encryption secret, with an
 * HKDF label of their own, and `context` (e.g. the user id) as salt and associated data, so a
 * ciphertext moved to another row does not open.
 */
const AT_REST_INFO = 'refresh-auth secret at rest v1';

export const sealAtRest = (plaintext: string, secret: string, context: string) => encryptPrivateKey(plaintext, secret, context, AT_REST_INFO);

export const openAtRest = (stored: string, secret: string, context: string) => decryptPrivateKey(stored, secret, context, AT_REST_INFO);

/** A key for keyed hashes (HMAC) of things stored hashed, derived from the key-encryption secret for one purpose. */
export const derivedKey = (secret: string, purpose: string) => Buffer.from(hkdfSync('sha256', secret, purpose, 'refresh-auth keyed hash v1', 32));
