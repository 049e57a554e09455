import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Client } from '../clients/client.entity';
import { ClientsService, Origin } from '../clients/clients.service';
import { RefreshTokensService } from '../clients/refresh-tokens.service';
import type { Caller } from '../common/current-user.decorator';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AccessTokensService } from './access-tokens.service';
import { LoginThrottleService } from './login-throttle.service';
import { LoginResponseDto, RefreshResponseDto, TokensDto } from './dto/tokens.response.dto';

/** The article's flow: log in, refresh, reject, log out; one implementation for every endpoint. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly accessTokens: AccessTokensService,
    private readonly throttle: LoginThrottleService,
  ) {}

  async login(user: User, permanent: boolean, origin: Origin): Promise<LoginResponseDto> {
    const { client, refreshToken } = await this.clients.open(user.id, permanent, origin);
    // A password change that ran while this login was checking the old password has ended every
    // other client already, or is about to; this one must not slip through either.
    if (await this.users.passwordChangedSince(user.id, user.passwordChangedAt)) {
      await this.clients.endById(client.id, 'password_changed', origin);
      throw new UnauthorizedException('Invalid username or password');
    }
    return {
      token: this.tokens(client, refreshToken),
      user: { id: user.id, username: user.username, clientId: client.id },
    };
  }

  async refresh(refreshToken: string, origin: Origin): Promise<RefreshResponseDto> {
    const rotated = await this.refreshTokens.rotate(refreshToken, origin);
    return { token: this.tokens(rotated.client, rotated.refreshToken) as Required<TokensDto> };
  }

  reject(refreshToken: string, origin: Origin): Promise<void> {
    return this.refreshTokens.reject(refreshToken, origin);
  }

  async logout(caller: Caller, origin: Origin): Promise<void> {
    await this.clients.end(caller.userId, caller.clientId, 'logout', origin);
  }

  /**
   * Changes the password and ends every other client of the user (ASVS V7.4.3). The current
   * password is checked and throttled like a login: a stolen access token must not be enough.
   */
  async changePassword(caller: Caller, currentPassword: string, newPassword: string, origin: Origin): Promise<void> {
    const { username } = await this.users.findById(caller.userId);
    const ip = origin.ip ?? 'unknown';
    this.throttle.assertAllowed(username, ip);
    if (!(await this.users.verifyCredentials(username, currentPassword))) {
      this.throttle.recordFailure(username, ip);
      throw new ForbiddenException('Current password is incorrect');
    }
    await this.users.setPassword(caller.userId, newPassword);
    await this.clients.endAllExcept(caller.userId, caller.clientId, 'password_changed');
  }

  private tokens(client: Client, refreshToken: string | null): TokensDto {
    const token = this.accessTokens.issue(client);
    if (!refreshToken) return token;
    return {
      ...token,
      refreshToken,
      refreshExpiresAt: client.expiresAt.toISOString(),
      sessionExpiresAt: client.sessionExpiresAt.toISOString(),
    };
  }
}
