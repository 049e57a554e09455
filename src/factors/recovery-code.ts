import { createHmac, randomBytes } from 'node:crypto';

/** Ten codes a set (API.md §11). */
export const RECOVERY_CODE_COUNT = 10;

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i: read off paper and typed back
const CODE_LENGTH = 12;

/**
 * A new recovery code, `xxxx-xxxx-xxxx`: 12 characters of a 31-letter alphabet, about 59 bits,
 * drawn without modulo bias.
 */
export function newRecoveryCode(): string {
  const chars: string[] = [];
  while (chars.length < CODE_LENGTH) {
    for (const byte of randomBytes(CODE_LENGTH * 2)) {
      if (byte < 248 && chars.length < CODE_LENGTH) chars.push(ALPHABET[byte % ALPHABET.length]);
    }
  }
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8)].map((group) => group.join('')).join('-');
}

/** As typed: case, spaces and dashes do not matter. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

/**
 * Stored as HMAC-SHA256 under a key derived from the key-encryption secret, not argon2: a code is
 * ~59 random bits, so a fast hash is already beyond brute force from a dump, the key makes a dump
 * alone useless for even trying, and a lookup by hash stays one indexed, constant-time row match.
 */
export function hashRecoveryCode(key: Buffer, code: string): string {
  return createHmac('sha256', key).update(normalizeRecoveryCode(code)).digest('hex');
}
