import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long one server nonce is current; the one before it is still accepted, so a nonce lives 1 to 2 windows. */
export const DPOP_NONCE_WINDOW_MS = 5 * 60_000;

/**
 * Server nonces (RFC 9449 §8) without storage: the HMAC of the time window's number, so every
 * instance that shares the secret agrees on the current nonce and none remembers one. A client
 * cannot make a proof for a later window in advance, which is what a nonce is for.
 */
export class DpopNonces {
  private readonly secret: Buffer;

  /** `secret`: shared by every instance (derived from AUTH_KEY_ENCRYPTION_SECRET); null: random to this process. */
  constructor(secret: string | null) {
    this.secret = secret === null ? randomBytes(32) : createHmac('sha256', secret).update('refresh-auth dpop nonce').digest();
  }

  current(now: number): string {
    return this.of(Math.floor(now / DPOP_NONCE_WINDOW_MS));
  }

  isValid(nonce: string, now: number): boolean {
    const window = Math.floor(now / DPOP_NONCE_WINDOW_MS);
    const presented = Buffer.from(nonce);
    return [window, window - 1].some((w) => {
      const expected = Buffer.from(this.of(w));
      return expected.length === presented.length && timingSafeEqual(expected, presented);
    });
  }

  private of(window: number): string {
    return createHmac('sha256', this.secret).update(String(window)).digest('base64url');
  }
}
