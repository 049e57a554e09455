import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  AuthService,
  type Caller,
  type FactorProof,
  joinAmr,
  type LoginResponseDto,
  type LoginInProgress,
  type MfaChallenge,
  type Origin,
  SecondFactorProvider,
  SecondFactorsRegistry,
  type User,
  UsersService,
} from '../auth';
import { HttpError } from '../common/http-error';
import { LoginLimitsService, type RequestCookies } from '../rate-limit';
import type { MfaLoginDto } from './dto/mfa-login.dto';
import type { MfaToken } from './entities/mfa-token.entity';
import { FactorsService } from './factors.service';
import { MfaTokensService } from './mfa-tokens.service';
import { PasskeysService } from './passkeys.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/** What a proven factor gives: its RFC 8176 amr values, and the passkey or recovery code it spent. */
interface Proven {
  amr: string[];
  passkeyId?: string;
  recoveryCode?: true;
}

const invalidMfaToken = () =>
  new HttpError(401, 'Unauthorized', 'The login expired or was already finished: start again', {}, { reason: 'invalid_mfa_token' });

/**
 * The second step of a login (API.md §11), and the factors as Auth sees them (SecondFactorProvider):
 * a password login of a user with a factor gets an mfaToken instead of a client; POST /auth/mfa
 * finishes it with a code or a passkey. A recovery code counts as a one-time code (amr otp).
 */
@Injectable()
export class MfaLoginService implements SecondFactorProvider, OnModuleInit {
  constructor(
    private readonly registry: SecondFactorsRegistry,
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly limits: LoginLimitsService,
    private readonly mfaTokens: MfaTokensService,
    private readonly factors: FactorsService,
    private readonly totp: TotpService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly passkeys: PasskeysService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async challenge(user: User, login: LoginInProgress): Promise<MfaChallenge> {
    const { token, expiresIn } = await this.mfaTokens.issue(user, login.permanent, login.scope, login.identityProvider ?? null);
    return { mfaToken: token, methods: await this.factors.methods(user.id), expiresIn };
  }

  async prove(caller: Caller, proof: FactorProof): Promise<string[] | null> {
    const proven = await this.check(caller.userId, proof, 'login');
    if (proven?.recoveryCode) await this.recoveryCodeUsed(caller.userId, caller.clientId);
    return proven?.amr ?? null;
  }

  /** WebAuthn request options for this login's passkeys (POST /auth/mfa/options). */
  async passkeyOptions(mfaToken: string) {
    const row = await this.mfaTokens.find(mfaToken);
    if (!row) throw invalidMfaToken();
    return this.passkeys.authenticationOptions('mfa', row.userId);
  }

  /**
   * Finishes the login of this mfaToken. The check runs under the login limits of the user, as a
   * password would, and a wrong one costs the token a try; the token is spent by the login it finishes.
   */
  async complete(
    body: MfaLoginDto,
    origin: Origin,
    from: { ip: string; cookies?: RequestCookies },
    dpopJkt: string | null = null,
  ): Promise<{ response: LoginResponseDto; user: User }> {
    const row = await this.mfaTokens.find(body.mfaToken);
    if (!row) throw invalidMfaToken();
    const user = await this.users.findById(row.userId);
    const attempt = { username: user.username, ...from, currentUserId: async () => user.id };
    const proven = await this.limits.checkLogin(attempt, () => this.check(user.id, body, 'mfa'));
    if (!proven) {
      const triesLeft = await this.mfaTokens.fail(row);
      throw new HttpError(401, 'Unauthorized', 'Incorrect code or credential', {}, { reason: 'invalid_code', triesLeft });
    }
    if (!(await this.mfaTokens.consume(row))) throw invalidMfaToken();
    const response = await this.login(user, row, origin, joinAmr(['pwd'], proven.amr), dpopJkt);
    await this.afterLogin(user.id, response.user.clientId, proven);
    return { response, user };
  }

  /** A passwordless login (POST /auth/passkey): a discoverable passkey with user verification is the whole proof. */
  async passkeyLogin(
    credential: Record<string, unknown>,
    permanent: boolean,
    origin: Origin,
    dpopJkt: string | null = null,
  ): Promise<{ response: LoginResponseDto; user: User }> {
    const passkey = await this.passkeys.authenticate(credential, 'login', null);
    if (!passkey) throw new HttpError(401, 'Unauthorized', 'The passkey could not be verified', {}, { reason: 'invalid_credentials' });
    const user = await this.users.findById(passkey.userId);
    const response = await this.auth.login(user, permanent, origin, { amr: joinAmr(['hwk', 'user']), dpopJkt });
    await this.afterLogin(user.id, response.user.clientId, { amr: ['hwk', 'user'], passkeyId: passkey.id });
    return { response, user };
  }

  private login(user: User, row: MfaToken, origin: Origin, amr: string, dpopJkt: string | null): Promise<LoginResponseDto> {
    // The password the mfaToken's login checked: changed since, the client is not opened (ClientsService.open).
    return this.auth.login({ ...user, passwordChangedAt: row.passwordChangedAt }, row.permanent, origin, {
      scope: row.scope,
      amr,
      dpopJkt,
      identityProvider: row.identityProvider,
    });
  }

  private async afterLogin(userId: string, clientId: string, proven: Proven): Promise<void> {
    if (proven.passkeyId) await this.passkeys.signedIn(proven.passkeyId, clientId);
    if (proven.recoveryCode) await this.recoveryCodeUsed(userId, clientId);
  }

  private async recoveryCodeUsed(userId: string, clientId: string): Promise<void> {
    await this.factors.changed('user.recovery_codes_used', userId, { left: await this.recoveryCodes.left(userId) }, clientId);
  }

  /** The factor's check; `purpose` names the WebAuthn challenge a passkey must have signed. */
  private async check(userId: string, proof: FactorProof, purpose: 'mfa' | 'login'): Promise<Proven | null> {
    switch (proof.method) {
      case 'totp':
        return proof.code !== undefined && (await this.totp.verify(userId, proof.code)) ? { amr: ['otp'] } : null;
      case 'recovery_code':
        return proof.code !== undefined && (await this.recoveryCodes.use(userId, proof.code)) ? { amr: ['otp'], recoveryCode: true } : null;
      case 'passkey': {
        const passkey = proof.credential && (await this.passkeys.authenticate(proof.credential, purpose, userId));
        return passkey && passkey.userId === userId ? { amr: ['hwk', 'user'], passkeyId: passkey.id } : null;
      }
      default:
        return null;
    }
  }
}
