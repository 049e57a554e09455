import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { IsNull, LessThan, MoreThan, Repository } from 'typeorm';
import { UsersService } from '../auth';
import { Clock } from '../common/clock';
import { MailMessage, MailOutboxEntry, MailOutboxService } from '../mail';
import { LoginLimitsService, type RequestCookies } from '../rate-limit';
import { addressKey } from '../rate-limit/address-key';
import { nameKey, RateLimitsService } from '../rate-limit/rate-limits.service';
import type { User } from '../users/user.entity';
import { emailSignInMail } from './email-sign-in-mail';
import { EmailSignIn } from './email-sign-in.entity';
import { IDENTITIES_OPTIONS, type IdentitiesModuleOptions } from './identities.options';

/** API.md §12: a mailed sign-in lives 10 minutes and its code takes 5 tries. */
export const EMAIL_SIGN_IN_TTL_SECONDS = 600;
export const EMAIL_SIGN_IN_MAX_TRIES = 5;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CODE_PATTERN = /^\d{6}$/;
const TOO_MANY = 'Too many sign-in mails asked for, try again later';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const codeHashOf = (id: string, code: string) => sha256(`${id}:${code}`);

/**
 * Email sign-in. A request does the same work for every address (its limits and one outbox row),
 * like POST /password/forgot; whether a verified account has the address is looked up when the mail
 * is rendered, off the request path. The link and the code spend one row, once (conditional updates).
 */
@Injectable()
export class EmailSignInsService implements OnModuleInit {
  constructor(
    @InjectRepository(EmailSignIn) private readonly signIns: Repository<EmailSignIn>,
    private readonly users: UsersService,
    private readonly outbox: MailOutboxService,
    private readonly limits: RateLimitsService,
    private readonly loginLimits: LoginLimitsService,
    private readonly clock: Clock,
    @Inject(IDENTITIES_OPTIONS) private readonly config: IdentitiesModuleOptions,
  ) {}

  onModuleInit(): void {
    this.outbox.register('email_signin', (entry) => this.render(entry));
  }

  /** Limited per client address and per mailbox, whether or not the mailbox has an account. */
  async request(email: string, ip: string): Promise<void> {
    await this.limits.take(
      [
        { limiter: this.limits.recoveryPerAddress, key: `signin:${addressKey(ip)}` },
        { limiter: this.limits.recoveryPerAccount, key: `signin:${nameKey(email)}` },
      ],
      TOO_MANY,
    );
    await this.outbox.enqueue('email_signin', email);
  }

  /**
   * The user of a mailed code, or null. Counted by the login limits as a password would be, keyed by
   * the address; each code also dies after EMAIL_SIGN_IN_MAX_TRIES.
   */
  redeemCode(email: string, code: string, from: { ip: string; cookies?: RequestCookies }): Promise<User | null> {
    const attempt = { username: email, ...from, currentUserId: async () => (await this.users.findByVerifiedEmail(email))?.id ?? null };
    return this.loginLimits.checkLogin(attempt, () => this.spendCode(email, code));
  }

  /** The user of a mailed link, or null; a wrong link counts as a failed login of the client address. */
  async redeemToken(token: string, ip: string): Promise<User | null> {
    const failures = [{ limiter: this.limits.loginFailuresPerAddress, key: addressKey(ip) }];
    const successes = [{ limiter: this.limits.loginSuccessesPerAddress, key: addressKey(ip) }];
    await this.limits.take([...failures, ...successes], 'Too many login attempts, try again later');
    const user = await this.spendToken(token).catch(async (error: unknown) => {
      await this.limits.giveBack([...failures, ...successes]);
      throw error;
    });
    await this.limits.giveBack(user ? failures : successes);
    return user;
  }

  private async spendCode(email: string, code: string): Promise<User | null> {
    const now = this.clock.now();
    const row = await this.signIns.findOne({
      where: { email, usedAt: IsNull(), expiresAt: MoreThan(new Date(now)) },
      order: { createdAt: 'DESC' },
    });
    if (!row) return null;
    // The try is taken before the comparison, in one conditional update: however many arrive at
    // once, no more than EMAIL_SIGN_IN_MAX_TRIES codes are ever compared against this row.
    const { affected } = await this.signIns
      .createQueryBuilder()
      .update(EmailSignIn)
      .set({ attempts: () => 'attempts + 1' })
      .where('id = :id AND attempts < :max AND used_at IS NULL AND expires_at > :now', { id: row.id, max: EMAIL_SIGN_IN_MAX_TRIES, now })
      .execute();
    if (!affected || !CODE_PATTERN.test(code)) return null;
    const expected = Buffer.from(row.codeHash, 'hex');
    if (!timingSafeEqual(expected, Buffer.from(codeHashOf(row.id, code), 'hex'))) return null;
    return this.spend(row, now);
  }

  private async spendToken(token: string): Promise<User | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const row = await this.signIns.findOneBy({ tokenHash: sha256(token) });
    // Whether it is still unused and unexpired is the conditional update's to say (spend), not this read's.
    return row ? this.spend(row, this.clock.now()) : null;
  }

  /** Single use: the first to mark the row used wins; the address must still be the user's verified one. */
  private async spend(row: EmailSignIn, now: number): Promise<User | null> {
    const { affected } = await this.signIns
      .createQueryBuilder()
      .update(EmailSignIn)
      .set({ usedAt: new Date(now) })
      .where('id = :id AND used_at IS NULL AND expires_at > :now', { id: row.id, now })
      .execute();
    if (!affected) return null;
    const user = await this.users.findByVerifiedEmail(row.email);
    return user?.id === row.userId ? user : null;
  }

  private async render(entry: MailOutboxEntry): Promise<MailMessage | null> {
    const user = await this.users.findByVerifiedEmail(entry.recipient);
    if (!user) return null; // no verified account has this address: no mail, and the request looked the same
    const now = this.clock.now();
    // The newest mail is the one that works: older unused ones die, long-dead ones go.
    await this.signIns.update({ userId: user.id, usedAt: IsNull() }, { usedAt: new Date(now) });
    await this.signIns.delete({ userId: user.id, expiresAt: LessThan(new Date(now - 86_400_000)) });
    const id = randomUUID();
    const token = randomBytes(32).toString('base64url');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.signIns.insert({
      id,
      userId: user.id,
      email: entry.recipient,
      tokenHash: sha256(token),
      codeHash: codeHashOf(id, code),
      attempts: 0,
      createdAt: new Date(now),
      expiresAt: new Date(now + EMAIL_SIGN_IN_TTL_SECONDS * 1000),
      usedAt: null,
    });
    return emailSignInMail(entry.recipient, `${this.config.publicUrl}/account#token=${token}`, code, EMAIL_SIGN_IN_TTL_SECONDS);
  }
}
