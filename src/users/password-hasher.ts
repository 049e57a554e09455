import { Algorithm, hash, verify } from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';

/*
 * argon2id at OWASP's first recommended setting (m=19 MiB, t=2, p=1). @node-rs/argon2 runs each
 * hash on the libuv thread pool, so the event loop keeps serving while a login is checked.
 */
const ARGON2ID = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** The one place passwords are hashed and checked; a provider, so tests can count the verifies. */
@Injectable()
export class PasswordHasher {
  private dummyHash?: Promise<string>;

  hash(password: string): Promise<string> {
    return hash(password, ARGON2ID);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false; // a malformed stored hash never lets anyone in
    }
  }

  /**
   * Spends the same time as checking a real password, so a login for an unknown username cannot be
   * told apart from a wrong password by its timing.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash('dummy password that no account has');
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
