import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AccessTokensService, bearerToken, RefreshTokensService, UsersService } from '../auth';
import { HttpError } from '../common/http-error';
import { OAUTH_OPTIONS, type OAuthModuleOptions } from './oauth.options';

/** Who asks: a resource server holding the introspection secret, or a user with an access token. */
export type IntrospectionCaller = { kind: 'service' } | { kind: 'user'; userId: string };

const INACTIVE = { active: false } as const;

const digest = (value: string) => createHash('sha256').update(value).digest();

@Injectable()
export class IntrospectionService {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly users: UsersService,
    @Inject(OAUTH_OPTIONS) private readonly config: OAuthModuleOptions,
  ) {}

  /**
   * HTTP Basic `introspection:<AUTH_INTROSPECTION_SECRET>` (disabled while the secret is unset), or a
   * Bearer access token, which may only introspect tokens of its own user.
   */
  async authenticateCaller(authorization: string | undefined): Promise<IntrospectionCaller> {
    const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(authorization ?? '')?.[1];
    if (basic && this.config.introspectionSecret && this.isServiceCredential(basic, this.config.introspectionSecret)) {
      return { kind: 'service' };
    }
    const token = bearerToken(authorization);
    if (token) {
      const authenticated = await this.accessTokens.authenticate(token).catch(() => null);
      // A DPoP-bound token is never a Bearer credential (RFC 9449 §7.2): copied off its device, it would do here.
      if (authenticated && authenticated.claims.cnf === undefined) return { kind: 'user', userId: authenticated.caller.userId };
    }
    throw new HttpError(401, 'Unauthorized', 'Introspection needs the introspection credentials or an access token', {
      'WWW-Authenticate': 'Basic realm="introspection", Bearer',
    });
  }

  async introspect(token: string, caller: IntrospectionCaller): Promise<Record<string, unknown>> {
    const visible = (userId: string) => caller.kind === 'service' || caller.userId === userId;

    const refreshClient = await this.refreshTokens.inspect(token);
    if (refreshClient) {
      if (!visible(refreshClient.userId)) return INACTIVE;
      return {
        active: true,
        token_type: 'refresh_token',
        sub: refreshClient.userId,
        sid: refreshClient.id,
        username: (await this.users.profile(refreshClient.userId)).username,
        iss: this.config.issuer,
        iat: Math.floor((refreshClient.rotatedAt ?? refreshClient.createdAt).getTime() / 1000),
        exp: Math.floor(refreshClient.expiresAt.getTime() / 1000),
      };
    }

    const access = await this.accessTokens.authenticate(token).catch(() => null);
    if (!access || !visible(access.claims.sub)) return INACTIVE;
    const { claims } = access;
    return {
      active: true,
      token_type: 'access_token',
      sub: claims.sub,
      sid: claims.sid,
      username: (await this.users.profile(claims.sub)).username,
      iss: claims.iss,
      aud: claims.aud,
      iat: claims.iat,
      exp: claims.exp,
      jti: claims.jti,
      // RFC 7662 §2.2: what the token may still do (a scope whose role was taken away is gone).
      ...(access.scope && { scope: access.scope }),
      // RFC 9449 §6.2: the key a resource server must see a proof by.
      ...(claims.cnf && { cnf: claims.cnf }),
    };
  }

  /** RFC 6749 §2.3.1: id and secret are form-encoded inside Basic; compared in constant time. */
  private isServiceCredential(basic: string, secret: string): boolean {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        return part;
      }
    };
    const id = decode(decoded.slice(0, colon));
    const presented = decode(decoded.slice(colon + 1));
    return id === 'introspection' && timingSafeEqual(digest(presented), digest(secret));
  }
}
