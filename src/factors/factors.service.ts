import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { type Actor, SessionEventsService, type SessionEventData, UsersService } from '../auth';
import { MailOutboxService } from '../mail';
import { User } from '../users/user.entity';
import { Passkey } from './entities/passkey.entity';
import { FACTOR_NOTICES, factorNoticeMail, FactorNotice } from './factor-mails';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/** The methods a user can finish a login with, in the order they are offered. */
export type FactorMethod = 'totp' | 'passkey' | 'recovery_code';

const FACTOR_NOTICE_OF = {
  'user.factor_added': 'factor_added',
  'user.factor_removed': 'factor_removed',
  'user.recovery_codes_used': 'recovery_used',
} as const;

/**
 * What the user holds besides the password, and what follows a change: users.mfa_enabled kept in step
 * (the login reads it, see the migration), the recovery codes voided with the last factor, an event
 * (webhooks, streams) and a mailed notice to the verified address.
 */
@Injectable()
export class FactorsService implements OnModuleInit {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Passkey) private readonly passkeys: Repository<Passkey>,
    private readonly totp: TotpService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly usersService: UsersService,
    private readonly events: SessionEventsService,
    private readonly outbox: MailOutboxService,
  ) {}

  onModuleInit(): void {
    for (const kind of FACTOR_NOTICES) this.outbox.register(kind, async (entry) => factorNoticeMail(kind as FactorNotice, entry.recipient));
  }

  /** The methods that can finish this user's login now. */
  async methods(userId: string): Promise<FactorMethod[]> {
    const [totp, passkeys, codes] = await Promise.all([this.totp.isOn(userId), this.passkeys.countBy({ userId }), this.recoveryCodes.left(userId)]);
    return [...(totp ? ['totp' as const] : []), ...(passkeys > 0 ? ['passkey' as const] : []), ...(codes > 0 ? ['recovery_code' as const] : [])];
  }

  /**
   * Sets users.mfa_enabled from what the user holds, in one statement that reads the factor tables as
   * it runs: of two changes racing (the last passkey removed while TOTP is confirmed), the later
   * statement sees both. When no factor is left, the recovery codes are void. Returns whether any factor remains.
   */
  async sync(userId: string): Promise<boolean> {
    await this.users
      .createQueryBuilder()
      .update()
      .set({
        mfaEnabled: () =>
          '(EXISTS (SELECT 1 FROM totp_factors WHERE totp_factors.user_id = users.id AND totp_factors.confirmed_at IS NOT NULL)' +
          ' OR EXISTS (SELECT 1 FROM passkeys WHERE passkeys.user_id = users.id))',
      })
      .where('id = :userId', { userId })
      .execute();
    const enabled = (await this.users.findOne({ where: { id: userId }, select: { id: true, mfaEnabled: true } }))?.mfaEnabled ?? false;
    if (!enabled) await this.recoveryCodes.voidAll(userId);
    return enabled;
  }

  /** A factor change: its event (webhooks, streams) and a notice mailed to the verified address. */
  async changed<T extends keyof typeof FACTOR_NOTICE_OF>(type: T, userId: string, data: SessionEventData[T], clientId?: string): Promise<void> {
    await this.events.emit(type, userId, data, clientId);
    await this.notify(userId, FACTOR_NOTICE_OF[type]);
  }

  async notify(userId: string, kind: FactorNotice): Promise<void> {
    const user = await this.usersService.findById(userId).catch(() => null);
    if (user?.email && user.emailVerifiedAt) await this.outbox.enqueue(kind, user.email, userId);
  }

  /** An admin's reset (DELETE /admin/users/:id/factors): every factor and recovery code goes; what went. */
  async resetAll(userId: string, by: Actor): Promise<{ totp: boolean; passkeys: number; recoveryCodes: number }> {
    await this.usersService.findById(userId); // 404 for an unknown user
    const totp = await this.totp.remove(userId);
    const passkeys = (await this.passkeys.delete({ userId })).affected ?? 0;
    const recoveryCodes = await this.recoveryCodes.voidAll(userId);
    await this.sync(userId);
    if (totp || passkeys > 0 || recoveryCodes > 0) {
      await this.events.emit('user.factor_removed', userId, { factor: 'all', by });
      await this.notify(userId, 'factors_reset');
    }
    return { totp, passkeys, recoveryCodes };
  }
}
