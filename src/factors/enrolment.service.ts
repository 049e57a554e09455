import { BadRequestException, Injectable } from '@nestjs/common';
import { type Caller, ClientsService, UsersService } from '../auth';
import { FactorsResponseDto, PasskeyResponseDto } from './dto/factors.response.dto';
import { FactorsService } from './factors.service';
import { PasskeysService } from './passkeys.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/**
 * The user's own factors (GET/POST/DELETE /me/...): each change keeps users.mfa_enabled in step, and
 * is an event and a mailed notice. The routes need recent authentication (the controller says so).
 */
@Injectable()
export class EnrolmentService {
  constructor(
    private readonly factors: FactorsService,
    private readonly totp: TotpService,
    private readonly passkeys: PasskeysService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
  ) {}

  async overview(userId: string): Promise<FactorsResponseDto> {
    const [totp, passkeys, recoveryCodesLeft] = await Promise.all([
      this.totp.isOn(userId),
      this.passkeys.list(userId),
      this.recoveryCodes.left(userId),
    ]);
    return { totp, passkeys, recoveryCodesLeft };
  }

  async beginTotp(caller: Caller) {
    const { username } = await this.users.profile(caller.userId);
    return this.totp.begin(caller.userId, username);
  }

  /** TOTP on; the first factor brings ten recovery codes (only then: existing ones stay as they are). */
  async confirmTotp(caller: Caller, code: string): Promise<{ recoveryCodes?: string[] }> {
    if (!(await this.totp.confirm(caller.userId, code))) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Incorrect code, or no TOTP enrolment pending',
        reason: 'invalid_code',
      });
    }
    await this.factors.sync(caller.userId);
    await this.factors.changed('user.factor_added', caller.userId, { factor: 'totp', by: by(caller) }, caller.clientId);
    return this.firstRecoveryCodes(caller.userId);
  }

  async removeTotp(caller: Caller): Promise<void> {
    const wasOn = await this.totp.remove(caller.userId);
    await this.factors.sync(caller.userId);
    if (wasOn) await this.factors.changed('user.factor_removed', caller.userId, { factor: 'totp', by: by(caller) }, caller.clientId);
  }

  passkeyOptions(caller: Caller) {
    return this.users.profile(caller.userId).then(({ username }) => this.passkeys.registrationOptions(caller.userId, username));
  }

  async addPasskey(
    caller: Caller,
    credential: Record<string, unknown>,
    name?: string,
  ): Promise<{ id: string; name: string; createdAt: string; recoveryCodes?: string[] }> {
    const passkey = await this.passkeys.register(caller.userId, credential, name);
    if (!passkey) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'The passkey could not be verified',
        reason: 'invalid_credential',
      });
    }
    await this.factors.sync(caller.userId);
    await this.factors.changed('user.factor_added', caller.userId, { factor: 'passkey', passkeyId: passkey.id, by: by(caller) }, caller.clientId);
    return { id: passkey.id, name: passkey.name, createdAt: passkey.createdAt.toISOString(), ...(await this.firstRecoveryCodes(caller.userId)) };
  }

  renamePasskey(caller: Caller, id: string, name: string): Promise<PasskeyResponseDto> {
    return this.passkeys.rename(caller.userId, id, name);
  }

  /** Removes the passkey; with `endSessions`, the live clients it signed in end too (reason factor_removed). */
  async removePasskey(caller: Caller, id: string, endSessions: boolean): Promise<void> {
    const clients = await this.passkeys.remove(caller.userId, id);
    await this.factors.sync(caller.userId);
    let ended = 0;
    if (endSessions) {
      for (const clientId of clients) {
        const endedOne = await this.clients.end(caller.userId, clientId, 'factor_removed', by(caller)).then(
          () => true,
          () => false, // ended meanwhile
        );
        if (endedOne) ended += 1;
      }
    }
    await this.factors.changed(
      'user.factor_removed',
      caller.userId,
      { factor: 'passkey', passkeyId: id, by: by(caller), endedClients: ended },
      caller.clientId,
    );
  }

  /** Ten new codes; the old ones die. Only for a user with a factor: codes stand in for one. */
  async regenerateRecoveryCodes(caller: Caller): Promise<{ recoveryCodes: string[] }> {
    if ((await this.factors.methods(caller.userId)).every((method) => method === 'recovery_code')) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Recovery codes need a second factor: add TOTP or a passkey first',
        reason: 'no_factor',
      });
    }
    return { recoveryCodes: await this.recoveryCodes.replace(caller.userId) };
  }

  private async firstRecoveryCodes(userId: string): Promise<{ recoveryCodes?: string[] }> {
    if ((await this.recoveryCodes.left(userId)) > 0) return {};
    return { recoveryCodes: await this.recoveryCodes.replace(userId) };
  }
}

const by = (caller: Caller) => ({ kind: 'user' as const, userId: caller.userId, clientId: caller.clientId });
