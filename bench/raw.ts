import { verify } from '@node-rs/argon2';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Measurement, SECONDS } from './load';

export const CORES = availableParallelism();

/** The physical limit of login: argon2id verifies of the app's parameters, as many at once as cores. */
export async function rawArgon2VerifyRate(stored: string, password: string, seconds = SECONDS): Promise<Measurement> {
  let count = 0;
  const started = Date.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CORES }, async () => {
      while (Date.now() < until) {
        await verify(stored, password);
        count += 1;
      }
    }),
  );
  // Over the time it took: the last verifies end after the deadline.
  return { rps: count / ((Date.now() - started) / 1000), requests: count, errors: 0, non2xx: 0 };
}

/** The physical limit of token verification: ES256 signature checks of one token in this thread (node:crypto, no parsing), for 2 s. */
export function rawJwsVerifyRate(token: string, jwk: Record<string, string>): number {
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const started = process.hrtime.bigint();
  let count = 0;
  while (process.hrtime.bigint() - started < 2_000_000_000n) {
    const dot = token.lastIndexOf('.');
    const signature = Buffer.from(token.slice(dot + 1), 'base64url');
    if (!verifySignature('sha256', Buffer.from(token.slice(0, dot)), { key, dsaEncoding: 'ieee-p1363' }, signature))
      throw new Error('verification failed');
    count += 1;
  }
  return count / 2;
}
