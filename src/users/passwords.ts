import { Algorithm, hash, verify } from '@node-rs/argon2';

/*
 * argon2id at OWASP's first recommended setting (m=19 MiB, t=2, p=1). @node-rs/argon2 runs each
 * hash on the libuv thread pool, so the event loop keeps serving while a login is checked.
 */
const ARGON2ID = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never lets anyone in
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as checking a real password, so a login for an unknown username cannot be
 * told apart from a wrong password by its timing.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('dummy password that no account has');
  await verifyPassword(await dummyHash, password);
  return false;
}
