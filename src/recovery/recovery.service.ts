import { BadRequestException, Inject, Injectable, NotFoundException, OnModuleInit } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import { Caller } from '../common/current-user.decorator';
import { RECOVERY_OPTIONS, type RecoveryModuleOptions } from './recovery.options';
import { SessionEventsService } from '../events';
import { MailMessage, MailOutboxService, MailOutboxEntry } from '../mail';
import { nameKey, RateLimitsService } from '../rate-limit/rate-limits.service';
import { addressKey } from '../rate-limit/address-key';
import { UsersService } from '../users/users.service';
import { emailChangedMail, resetMail, verifyMail } from './recovery-mails';
import { RecoveryTokensService } from './recovery-tokens.service';

const TOO_MANY = 'Too many recovery requests, try again later';

const invalidToken = () => new BadRequestException({ message: 'Invalid or expired link', reason: 'invalid_token' });

/**
 * Email verification and password reset (API.md section 10). A forgot request does the same work
 * for every address, known or not: it takes its limits and writes one outbox row. Whether the
 * address has an account is looked up when the mail is rendered, off the request path.
 */
@Injectable()
export class RecoveryService implements OnModuleInit {
  constructor(
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly tokens: RecoveryTokensService,
    private readonly outbox: MailOutboxService,
    private readonly limits: RateLimitsService,
    private readonly events: SessionEventsService,
    @Inject(RECOVERY_OPTIONS) private readonly config: RecoveryModuleOptions,
  ) {}

  onModuleInit(): void {
    this.outbox.register('password_reset', (entry) => this.renderReset(entry));
    this.outbox.register('verify_email', (entry) => this.renderVerify(entry));
    this.outbox.register('email_changed', async (entry) => emailChangedMail(entry.recipient));
    // A sink, not a listener: the link's outbox row is written before the sign-up answers, or it fails.
    this.events.addDurableSink({ wants: (type) => type === 'user.created', store: (event) => this.verifyNewUsersEmail(event.userId) });
  }

  /** A user who signed up with an email is mailed a link to verify it; an event for no stored user (gone already) mails nothing. */
  private async verifyNewUsersEmail(userId: string): Promise<void> {
    const user = await this.users.findById(userId).catch((error: unknown) => {
      if (error instanceof NotFoundException) return null;
      throw error;
    });
    if (user?.email && !user.emailVerifiedAt) await this.outbox.enqueue('verify_email', user.email, user.id);
  }

  async forgot(email: string, ip: string): Promise<void> {
    await this.limits.take(
      [
        { limiter: this.limits.recoveryPerAddress, key: addressKey(ip) },
        { limiter: this.limits.recoveryPerAccount, key: nameKey(email) },
      ],
      TOO_MANY,
    );
    await this.outbox.enqueue('password_reset', email);
  }

  /** Sets the password, ends every client (ASVS V6.4: a reset signs out everywhere). */
  async reset(token: string, newPassword: string, ip: string): Promise<void> {
    await this.limits.take([{ limiter: this.limits.recoveryPerAddress, key: addressKey(ip) }], TOO_MANY);
    const row = await this.tokens.redeem(token, 'reset_password');
    if (!row) throw invalidToken();
    await this.users.setPassword(row.userId, newPassword);
    const by = { kind: 'user', userId: row.userId } as const;
    await this.clients.endAll(row.userId, 'password_reset', by);
    await this.events.emit('user.password_changed', row.userId, { by, reason: 'reset' });
  }

  /**
   * Asks for a new address (the route needs recent authentication). A verified address stays the
   * recovery address until the new one is verified, and is told of the request (no link in that mail).
   */
  async changeEmail(caller: Caller, email: string): Promise<void> {
    await this.limits.take([{ limiter: this.limits.recoveryPerAccount, key: `user:${caller.userId}` }], TOO_MANY);
    const { changed, notify } = await this.users.setPendingEmail(caller.userId, email);
    if (changed) await this.outbox.enqueue('verify_email', email, caller.userId);
    if (notify) await this.outbox.enqueue('email_changed', notify, caller.userId);
  }

  /** Only the signed-in owner's attempt spends the link: anyone else's leaves it working for the owner. */
  async verifyEmail(caller: Caller, token: string): Promise<void> {
    const row = await this.tokens.redeem(token, 'verify_email', caller.userId);
    if (!row?.email) throw invalidToken();
    if (!(await this.users.markEmailVerified(row.userId, row.email))) throw invalidToken();
  }

  private async renderReset(entry: MailOutboxEntry): Promise<MailMessage | null> {
    const user = await this.users.findByVerifiedEmail(entry.recipient);
    if (!user) return null; // nobody has this address: no mail, and the request looked the same
    const token = await this.tokens.issue(user.id, 'reset_password', this.config.resetTtl);
    return resetMail(entry.recipient, `${this.config.publicUrl}/account#reset=${token}`, this.config.resetTtl);
  }

  private async renderVerify(entry: MailOutboxEntry): Promise<MailMessage | null> {
    if (!entry.userId) return null;
    const user = await this.users.findById(entry.userId).catch(() => null);
    // The address was changed again (or verified) since: that newer request mails its own link.
    const asked = user && (user.pendingEmail === entry.recipient || (user.email === entry.recipient && !user.emailVerifiedAt));
    if (!asked) return null;
    const token = await this.tokens.issue(user.id, 'verify_email', this.config.emailVerifyTtl, entry.recipient);
    return verifyMail(entry.recipient, `${this.config.publicUrl}/account#verify=${token}`, this.config.emailVerifyTtl);
  }
}
