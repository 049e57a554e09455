import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { LessThanOrEqual, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { MfaToken } from './entities/mfa-token.entity';

/** How long a login waits for its second factor. */
export const MFA_TOKEN_TTL_SECONDS = 300;
/** Wrong codes an mfaToken survives; the next login starts again from the password. */
export const MFA_TOKEN_MAX_FAILURES = 5;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The mfaToken of a login between its password and its second factor: 256 random bits, only the
 * SHA-256 stored; it finishes one login (the DELETE that consumes it decides), within five minutes, and
 * dies at its fifth wrong code.
 */
@Injectable()
export class MfaTokensService {
  constructor(
    @InjectRepository(MfaToken) private readonly tokens: Repository<MfaToken>,
    private readonly clock: Clock,
  ) {}

  async issue(
    user: { id: string; passwordChangedAt: Date },
    permanent: boolean,
    scope: string | null,
    identityProvider: string | null = null,
  ): Promise<{ token: string; expiresIn: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    // Dead tokens go as new ones come: the table holds only logins of the last few minutes.
    await this.tokens.delete({ expiresAt: LessThanOrEqual(new Date(now)) });
    await this.tokens.insert({
      tokenHash: hashToken(token),
      userId: user.id,
      passwordChangedAt: user.passwordChangedAt,
      permanent,
      scope,
      identityProvider,
      failures: 0,
      expiresAt: new Date(now + MFA_TOKEN_TTL_SECONDS * 1000),
    });
    return { token, expiresIn: MFA_TOKEN_TTL_SECONDS };
  }

  /** The live login of this token, or null (unknown, used, expired, or out of tries). */
  async find(token: string): Promise<MfaToken | null> {
    if (typeof token !== 'string' || token.length > 100) return null;
    const row = await this.tokens.findOneBy({ tokenHash: hashToken(token) });
    return row && this.live(row) ? row : null;
  }

  /** A wrong code: one try fewer; the token dies at MFA_TOKEN_MAX_FAILURES. Returns the tries left. */
  async fail(row: MfaToken): Promise<number> {
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ failures: () => 'failures + 1' })
      .where('token_hash = :hash AND failures < :max', { hash: row.tokenHash, max: MFA_TOKEN_MAX_FAILURES })
      .execute();
    const after = await this.tokens.findOneBy({ tokenHash: row.tokenHash });
    const left = after ? MFA_TOKEN_MAX_FAILURES - after.failures : 0;
    if (left <= 0) await this.tokens.delete({ tokenHash: row.tokenHash });
    return Math.max(left, 0);
  }

  /** Spends the token for the one login it finishes: true for exactly one caller, and only while it lives. */
  async consume(row: MfaToken): Promise<boolean> {
    const { affected } = await this.tokens
      .createQueryBuilder()
      .delete()
      .where('token_hash = :hash AND expires_at > :now AND failures < :max', {
        hash: row.tokenHash,
        now: this.clock.now(),
        max: MFA_TOKEN_MAX_FAILURES,
      })
      .execute();
    return affected === 1;
  }

  private live(row: MfaToken): boolean {
    return row.expiresAt.getTime() > this.clock.now() && row.failures < MFA_TOKEN_MAX_FAILURES;
  }
}
