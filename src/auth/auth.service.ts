import { Injectable } from '@nestjs/common';
import { ClientsService, Origin } from '../clients/clients.service';
import { RefreshTokensService } from '../clients/refresh-tokens.service';
import type { Caller } from '../common/current-user.decorator';
import type { User } from '../users/user.entity';
import { AccessTokensService } from './access-tokens.service';
import { LoginResponseDto, RefreshResponseDto } from './dto/tokens.response.dto';

/** The article's flow: log in, refresh, reject, log out; one implementation for every endpoint. */
@Injectable()
export class AuthService {
  constructor(
    private readonly clients: ClientsService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly accessTokens: AccessTokensService,
  ) {}

  async login(user: User, permanent: boolean, origin: Origin): Promise<LoginResponseDto> {
    const { client, refreshToken } = await this.clients.open(user.id, permanent, origin);
    const token = this.accessTokens.issue(client);
    return {
      token: refreshToken ? { ...token, refreshToken } : token,
      user: { id: user.id, username: user.username, clientId: client.id },
    };
  }

  async refresh(refreshToken: string, origin: Origin): Promise<RefreshResponseDto> {
    const rotated = await this.refreshTokens.rotate(refreshToken, origin);
    return { token: { ...this.accessTokens.issue(rotated.client), refreshToken: rotated.refreshToken } };
  }

  reject(refreshToken: string, origin: Origin): Promise<void> {
    return this.refreshTokens.reject(refreshToken, origin);
  }

  async logout(caller: Caller, origin: Origin): Promise<void> {
    await this.clients.end(caller.userId, caller.clientId, 'logout', origin);
  }
}
