import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { Client } from '../clients/client.entity';
import { authConfig } from '../config/configuration';
import { KeysService } from '../keys/keys.service';
import { AccessTokenDto } from './dto/tokens.response.dto';

/** Claims of our access tokens besides the registered iat, exp, iss, aud. */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  jti: string;
}

@Injectable()
export class AccessTokensService {
  constructor(
    private readonly jwt: JwtService,
    private readonly keys: KeysService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** An access token for the client; it never outlives the client's own deadline. */
  issue(client: Client): AccessTokenDto {
    const now = Math.floor(Date.now() / 1000);
    const exp = Math.min(now + this.config.accessTtl, Math.floor(client.expiresAt.getTime() / 1000));
    const key = this.keys.signingKey();
    const claims: AccessTokenClaims & { iat: number; exp: number } = {
      sub: client.userId,
      sid: client.id,
      jti: randomUUID(),
      iat: now,
      exp,
    };
    const accessToken = this.jwt.sign(claims, {
      privateKey: key.privateKey,
      algorithm: key.algorithm as 'ES256',
      keyid: key.kid,
      issuer: this.config.issuer,
      audience: this.config.audience,
      header: { alg: key.algorithm, typ: 'at+jwt' },
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: exp - now };
  }
}
