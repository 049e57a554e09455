import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { ChallengePurpose, WebauthnChallenge } from './entities/webauthn-challenge.entity';

/** How long a WebAuthn ceremony may take; the browser's timeout is a little shorter. */
export const CHALLENGE_TTL_SECONDS = 180;

/**
 * WebAuthn challenges, kept server-side: each issued for one purpose (and user), short-lived, and
 * spent by the one DELETE that finds it, so a response replayed with the same challenge is refused.
 */
@Injectable()
export class WebauthnChallengesService {
  constructor(
    @InjectRepository(WebauthnChallenge) private readonly challenges: Repository<WebauthnChallenge>,
    private readonly clock: Clock,
  ) {}

  async remember(challenge: string, purpose: ChallengePurpose, userId: string | null): Promise<void> {
    const now = this.clock.now();
    await this.challenges.delete({ expiresAt: LessThanOrEqual(new Date(now)) });
    await this.challenges.insert({ challenge, purpose, userId, expiresAt: new Date(now + CHALLENGE_TTL_SECONDS * 1000) });
  }

  /**
   * Spends the challenge a response signed, if we issued it for this purpose (and this user, when one
   * is named) and it is still live: true for exactly one caller.
   */
  async consume(challenge: string, purpose: ChallengePurpose, userId: string | null): Promise<boolean> {
    if (challenge.length === 0 || challenge.length > 64) return false;
    const query = this.challenges
      .createQueryBuilder()
      .delete()
      .where('challenge = :challenge AND purpose = :purpose AND expires_at > :now', { challenge, purpose, now: this.clock.now() });
    if (userId !== null) query.andWhere('user_id = :userId', { userId });
    const { affected } = await query.execute();
    return affected === 1;
  }
}

/** The challenge a WebAuthn response says it signed (in its clientDataJSON), or '' when it says none. */
export function signedChallenge(credential: unknown): string {
  try {
    const clientDataJSON = (credential as { response?: { clientDataJSON?: unknown } }).response?.clientDataJSON;
    if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 10_000) return '';
    const { challenge } = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof challenge === 'string' ? challenge : '';
  } catch {
    return '';
  }
}
