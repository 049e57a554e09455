import { Inject, Injectable } from '@nestjs/common';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import { Clock } from '../common/clock';
import { signJwt } from '../keys/jwt';
import { KeysService } from '../keys/keys.service';
import { OIDC_OPTIONS, type OidcModuleOptions } from './oidc.options';

/** OpenID Connect Back-Channel Logout 1.0 §2.4: the one event a logout token carries. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token waits in the outbox for retries; its receiver judges it within this. */
const LOGOUT_TOKEN_TTL_SECONDS = 600;

export interface IdTokenContent {
  userId: string;
  clientId: string;
  /** The application's client this sign-in opened: its `sid`, the one its logout token names. */
  sessionId: string;
  authTime: number;
  nonce: string | null;
  amr: string[] | null;
  accessToken: string;
}

/**
 * The JOSE objects of the provider, signed by our KeysService key (ES256 by default) through jose:
 * ID tokens (OIDC Core §2), logout tokens (Back-Channel Logout §2.4), and the check of an
 * id_token_hint, whose expiry does not matter (RP-initiated logout §2) but whose signature does.
 */
@Injectable()
export class IdTokensService {
  constructor(
    private readonly keys: KeysService,
    private readonly clock: Clock,
    @Inject(OIDC_OPTIONS) private readonly config: OidcModuleOptions,
  ) {}

  idToken(content: IdTokenContent): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    const claims = {
      iss: this.config.issuer,
      sub: content.userId,
      aud: content.clientId,
      exp: now + this.config.accessTtl,
      iat: now,
      auth_time: Math.floor(content.authTime / 1000),
      ...(content.nonce !== null && { nonce: content.nonce }),
      ...(content.amr && { amr: content.amr }),
      sid: content.sessionId,
      at_hash: leftHalfHash(content.accessToken),
    };
    return signJwt(claims, this.keys.signingKey(), { typ: 'JWT' });
  }

  /** No nonce, ever (§2.4): it could pass for an ID token otherwise; typ says what it is (§2.4, RFC 8725 §3.11). */
  logoutToken(userId: string, clientId: string, sessionId: string): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    const claims = {
      iss: this.config.issuer,
      sub: userId,
      aud: clientId,
      iat: now,
      exp: now + LOGOUT_TOKEN_TTL_SECONDS,
      jti: randomUUID(),
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      sid: sessionId,
    };
    return signJwt(claims, this.keys.signingKey(), { typ: 'logout+jwt' });
  }

  /** A client-credentials access token (RFC 9068): no user, so no sid; our own guard does not take it. */
  serviceAccessToken(clientId: string, scope: string | null): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    const claims = {
      iss: this.config.issuer,
      aud: this.config.audience,
      sub: clientId,
      client_id: clientId,
      jti: randomUUID(),
      iat: now,
      exp: now + this.config.accessTtl,
      ...(scope && { scope }),
    };
    return signJwt(claims, this.keys.signingKey(), { typ: 'at+jwt' });
  }

  /** The claims of an ID token we issued, expired or not; null for anything else. */
  async verifyHint(token: string): Promise<JWTPayload | null> {
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return null;
    }
    const key = await this.keys.verificationKey(kid);
    if (!key) return null;
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [key.algorithm],
        issuer: this.config.issuer,
        typ: 'JWT',
        currentDate: new Date(this.clock.now()),
      });
      return payload;
    } catch (error) {
      // jose checks the signature and the issuer before the expiry.
      return error instanceof errors.JWTExpired && error.payload.iss === this.config.issuer ? error.payload : null;
    }
  }
}

/** OIDC Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url. */
export function leftHalfHash(value: string): string {
  const digest = createHash('sha256').update(value).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
