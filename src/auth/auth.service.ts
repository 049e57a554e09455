import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Client } from '../clients/client.entity';
import type { Origin } from '../clients/client-rules';
import { ClientsService } from '../clients/clients.service';
import { parseRefreshToken } from '../clients/refresh-token';
import { RefreshRejectedException } from '../clients/refresh-rejected.exception';
import { RefreshTokensService } from '../clients/refresh-tokens.service';
import type { Caller } from '../common/current-user.decorator';
import { LoginLimitsService, type RequestCookies } from '../rate-limit';
import { HttpError } from '../common/http-error';
import { parseRoles } from '../users/roles';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { SessionEventsService } from '../events';
import { AccessTokenRejectedException } from '../common/access-token-rejected.exception';
import { AccessTokensService } from './access-tokens.service';
import { ScopeWidenedException } from './scope-widened.exception';
import { MfaRequiredException } from './mfa-required.exception';
import { FactorProof, SecondFactorsRegistry } from './second-factors.registry';
import { LoginResponseDto, ReauthenticateResponseDto, RefreshResponseDto, TokensDto } from './dto/tokens.response.dto';

export interface LoginOptions {
  /** OAuth: the scope the access token carries (already judged earned). */
  scope?: string | null;
  /** How the user proved who they are (RFC 8176, space-separated); absent: a password alone, so a second factor is asked for. */
  amr?: string;
  /** The login carried a DPoP proof by this key (RFC 7638 thumbprint): the client is bound to it. */
  dpopJkt?: string | null;
  /** The sign-in came through this upstream provider (API.md §12): the session shows it. */
  identityProvider?: string | null;
}

/** The article's flow: log in, refresh, reject, log out; one implementation for every endpoint. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly accessTokens: AccessTokensService,
    private readonly limits: LoginLimitsService,
    private readonly events: SessionEventsService,
    private readonly secondFactors: SecondFactorsRegistry,
  ) {}

  /**
   * The user whose password this is, or 401; 429 past a login limit (LoginLimitsService), before
   * any check. One message for an unknown user and a wrong password; both cost one argon2id verify.
   */
  async checkCredentials(username: string, password: string, from: { ip: string; cookies?: RequestCookies }): Promise<User> {
    const attempt = { username, ...from, currentUserId: () => this.users.idOf(username) };
    const user = await this.limits.checkLogin(attempt, () => this.users.verifyCredentials(username, password));
    if (!user) throw new UnauthorizedException('Invalid username or password');
    return user;
  }

  /**
   * Opens a client for a user whose password checked out. A disabled user gets 403 only now, after
   * the password: someone without it learns nothing (OWASP ASVS V6). A user with a second factor gets
   * 403 `mfa_required` and no client, unless `amr` says the factor was proven already (POST /auth/mfa).
   * `amr`: how the user proved who they are (RFC 8176, space-separated); absent, a password alone.
   */
  async login(user: User, permanent: boolean, origin: Origin, options: LoginOptions = {}): Promise<LoginResponseDto> {
    const { scope = null, amr, dpopJkt = null, identityProvider = null } = options;
    if (user.disabledAt !== null) throw new HttpError(403, 'Forbidden', 'This account is disabled', {}, { reason: 'disabled' });
    // user.mfaEnabled came with the login's one SELECT: a user without factors pays nothing here.
    if (amr === undefined && user.mfaEnabled)
      throw new MfaRequiredException(await this.secondFactors.get().challenge(user, { permanent, scope, identityProvider }));
    // dpopJkt: the login carried a DPoP proof, so the client is bound to its key (API.md §14).
    const opened = await this.clients.open(user, permanent, origin, { scope, amr, dpopJkt });
    // null: the password changed while this login was checking the old one.
    if (!opened) throw new UnauthorizedException('Invalid username or password');
    const { client, refreshToken } = opened;
    if (identityProvider) await this.clients.markIdentityProvider(client.id, identityProvider);
    return {
      token: await this.tokens(client, refreshToken, parseRoles(user.roles)),
      user: { id: user.id, username: user.username, clientId: client.id },
    };
  }

  /**
   * Rotates the refresh token. `scope` (OAuth) may narrow the access token's scope, never widen it
   * (RFC 6749 §6); it is checked before rotating, so a refused request spends nothing.
   */
  async refresh(
    refreshToken: string,
    origin: Origin,
    scope?: string,
    /** The request's DPoP key: a bound client refreshes only with it (API.md §14). */
    dpopJkt: string | null = null,
    /** The authenticated application at /oauth/token; null at our own endpoints (API.md §13). */
    applicationId: string | null = null,
  ): Promise<RefreshResponseDto> {
    // Judged only for a token that was really issued: any other fails in rotate() with its own reason.
    const presented = scope === undefined ? null : await this.refreshTokens.presented(refreshToken);
    if (presented && scope !== undefined) {
      const granted = presented.scope?.split(' ') ?? [];
      if (!scope.split(' ').every((s) => granted.includes(s))) throw new ScopeWidenedException();
    }
    const rotated = await this.refreshTokens.rotate(refreshToken, origin, dpopJkt);
    // An application's refresh token (API.md §13) presented by anyone but that application (here, at
    // POST /token) has leaked: checked after the rotation, so the hot path costs no extra read, and its session ends.
    if ((rotated.client.applicationId ?? null) !== applicationId) {
      await this.clients.endById(rotated.client.id, 'rejected', origin);
      throw new RefreshRejectedException('revoked');
    }
    const client = scope === undefined ? rotated.client : { ...rotated.client, scope };
    return { token: (await this.tokens(client, rotated.refreshToken, rotated.roles)) as Required<TokensDto> };
  }

  /** The client id of a refresh token that was really issued (see RefreshTokensService.presented); null otherwise. */
  async issuedClientId(refreshToken: string): Promise<string | null> {
    return (await this.refreshTokens.presented(refreshToken))?.id ?? null;
  }

  reject(refreshToken: string, origin: Origin): Promise<void> {
    return this.refreshTokens.reject(refreshToken, origin);
  }

  /** RFC 7009 revocation of either kind of token: its client ends; anything else is ignored. */
  async revokeAny(token: string, origin: Origin): Promise<void> {
    if (parseRefreshToken(token)) return this.refreshTokens.reject(token, origin);
    const claims = await this.accessTokens.verify(token).catch(() => null);
    if (claims) await this.clients.endById(claims.sid, 'rejected', origin);
  }

  async logout(caller: Caller, origin: Origin): Promise<void> {
    await this.clients.end(caller.userId, caller.clientId, 'logout', { kind: 'user', userId: caller.userId, clientId: caller.clientId }, origin);
  }

  /**
   * Changes the password and ends every other client of the user (ASVS V7.4.3). The current
   * password is checked under limits of its own: a stolen access token must not be enough.
   */
  async changePassword(caller: Caller, currentPassword: string, newPassword: string, _origin: Origin): Promise<void> {
    const { username } = await this.users.profile(caller.userId);
    const user = await this.limits.checkPasswordChange(caller, () => this.users.verifyCredentials(username, currentPassword));
    // 403, not 401: the access token is fine, and a client must not take this for a logout.
    if (!user) throw new ForbiddenException('Current password is incorrect');
    await this.users.setPassword(caller.userId, newPassword);
    const by = { kind: 'user', userId: caller.userId, clientId: caller.clientId } as const;
    await this.events.emit('user.password_changed', caller.userId, { by, reason: 'change' });
    await this.clients.endAllExcept(caller.userId, caller.clientId, 'password_changed', by);
  }

  /**
   * The user proves who they are again on this client (API.md §11), with the password or a second
   * factor: a fresh access token with a new auth_time (and the factor joined to amr), which later
   * refreshes keep. Every check counts like POST /me/password's, so a stolen access token cannot guess
   * its way past @RecentAuth.
   */
  async reauthenticate(caller: Caller, proof: { password: string } | FactorProof): Promise<ReauthenticateResponseDto> {
    let amr: string[] | null;
    if ('password' in proof) {
      const { username } = await this.users.profile(caller.userId);
      const user = await this.limits.checkPasswordChange(caller, () => this.users.verifyCredentials(username, proof.password));
      amr = user && ['pwd'];
    } else {
      if (!this.secondFactors.available) throw new HttpError(400, 'Bad Request', 'Second factors are not available', {});
      amr = await this.limits.checkPasswordChange(caller, () => this.secondFactors.get().prove(caller, proof));
    }
    if (!amr)
      throw new HttpError(
        401,
        'Unauthorized',
        'password' in proof ? 'Incorrect password' : 'Incorrect code or credential',
        {},
        { reason: 'invalid_credentials' },
      );
    const reauthenticated = await this.clients.reauthenticated(caller.userId, caller.clientId, amr);
    // The client ended while the password was being checked.
    if (!reauthenticated) throw new AccessTokenRejectedException('revoked', true);
    const { client, roles } = reauthenticated;
    return { token: await this.accessTokens.issue(client, { roles, scope: client.scope }) };
  }

  private async tokens(
    client: Pick<Client, 'id' | 'userId' | 'expiresAt' | 'sessionExpiresAt' | 'authenticatedAt' | 'scope' | 'amr' | 'dpopJkt'>,
    refreshToken: string | null,
    roles: string[],
  ): Promise<TokensDto> {
    const token = await this.accessTokens.issue(client, { roles, scope: client.scope });
    if (!refreshToken) return token;
    return {
      ...token,
      refreshToken,
      refreshExpiresAt: client.expiresAt.toISOString(),
      sessionExpiresAt: client.sessionExpiresAt.toISOString(),
    };
  }
}
