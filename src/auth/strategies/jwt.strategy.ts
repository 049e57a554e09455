import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, SecretOrKeyProvider, Strategy } from 'passport-jwt';
import { ClientsService } from '../../clients/clients.service';
import type { Caller } from '../../common/current-user.decorator';
import { authConfig } from '../../config/configuration';
import { ACCESS_TOKEN_ALGORITHM, KeysService } from '../../keys/keys.service';
import type { AccessTokenClaims } from '../access-tokens.service';
import { ClientEndedError } from '../guards/jwt-auth.guard';

function kidOf(rawJwt: string): unknown {
  try {
    return JSON.parse(Buffer.from(rawJwt.split('.')[0], 'base64url').toString('utf8')).kid;
  } catch {
    return undefined;
  }
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    keys: KeysService,
    private readonly clients: ClientsService,
    @Inject(authConfig.KEY) config: ConfigType<typeof authConfig>,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // Only our algorithm and only our keys, chosen by kid: no alg:none, no HS256 with a public key.
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      secretOrKeyProvider: ((_request, rawJwt, done) => {
        const key = keys.verificationKey(kidOf(rawJwt));
        // jsonwebtoken takes a KeyObject (parsed once) although the passport-jwt types say string.
        if (key) done(null, key as unknown as string);
        else done(new Error('unknown key'));
      }) satisfies SecretOrKeyProvider,
      issuer: config.issuer,
      audience: config.audience,
      jsonWebTokenOptions: { clockTolerance: 5 },
    });
  }

  /** A signature is not enough: the token's client must still be live (logout is immediate). */
  async validate(claims: Partial<AccessTokenClaims>): Promise<Caller> {
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') throw new ClientEndedError('invalid');
    const client = await this.clients.state(claims.sid);
    if (!client || client.userId !== claims.sub) throw new ClientEndedError('invalid');
    const now = Date.now();
    if (client.endedAt !== null) throw new ClientEndedError(client.endReason === 'reused' ? 'reused' : 'revoked');
    if (client.expiresAt.getTime() <= now) {
      if (!client.permanent) throw new ClientEndedError('expired');
      throw new ClientEndedError(client.sessionExpiresAt.getTime() <= now ? 'absolute_expired' : 'idle_expired');
    }
    return { userId: client.userId, clientId: client.id };
  }
}
