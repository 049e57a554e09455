import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull, LessThan, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { RecoveryPurpose, RecoveryToken } from './recovery-token.entity';

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
/** 32 random bytes, base64url: what a mailed link carries. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Single-use, newest-only, expiring tokens for mailed links; the database decides every race. */
@Injectable()
export class RecoveryTokensService {
  constructor(
    @InjectRepository(RecoveryToken) private readonly tokens: Repository<RecoveryToken>,
    private readonly clock: Clock,
  ) {}

  /** A new token for the user; every older unused one of the same purpose stops working. */
  async issue(userId: string, purpose: RecoveryPurpose, ttlSeconds: number, email: string | null = null): Promise<string> {
    const now = this.clock.now();
    await this.supersede(userId, purpose, now);
    const token = randomBytes(32).toString('base64url');
    await this.tokens.insert({
      id: randomUUID(),
      userId,
      purpose,
      tokenHash: hashOf(token),
      email,
      createdAt: new Date(now),
      expiresAt: new Date(now + ttlSeconds * 1000),
      usedAt: null,
    });
    return token;
  }

  /**
   * Spends the token: one conditional UPDATE (unused, unexpired, this purpose, and `userId`'s when
   * given), so two requests with one token never both succeed, and a token shown to another account
   * is not spent by it. Returns its row, or null for anything not currently valid.
   */
  async redeem(token: string, purpose: RecoveryPurpose, userId?: string): Promise<RecoveryToken | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const tokenHash = hashOf(token);
    const now = this.clock.now();
    const update = this.tokens
      .createQueryBuilder()
      .update(RecoveryToken)
      .set({ usedAt: new Date(now) })
      .where('token_hash = :tokenHash AND purpose = :purpose AND used_at IS NULL AND expires_at > :now', { tokenHash, purpose, now });
    if (userId !== undefined) update.andWhere('user_id = :userId', { userId });
    const { affected } = await update.execute();
    if (!affected) return null;
    const row = await this.tokens.findOneBy({ tokenHash });
    if (row) await this.supersede(row.userId, purpose, now);
    return row;
  }

  /** Marks every unused token of this purpose used (and drops long-dead ones of the user). */
  private async supersede(userId: string, purpose: RecoveryPurpose, now: number): Promise<void> {
    await this.tokens.update({ userId, purpose, usedAt: IsNull() }, { usedAt: new Date(now) });
    await this.tokens.delete({ userId, expiresAt: LessThan(new Date(now)) });
  }
}
