import { Inject, Injectable } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock';
import { RATE_LIMIT_OPTIONS, type RateLimitModuleOptions } from './rate-limit.options';
import { signJwt, verifyJwt } from '../keys/jwt';
import { CLOCK_TOLERANCE_SECONDS, KeysService } from '../keys/keys.service';

/** A device stays trusted this long after its last successful login (each login renews it). */
const DEVICE_COOKIE_TTL_SECONDS = 365 * 86400;
/** Never an access token: the access-token guard demands at+jwt. */
const DEVICE_TYP = 'device+jwt';

export type RequestCookies = Record<string, string | undefined> | undefined;

export interface DeviceCookie {
  name: string;
  value: string;
  options: CookieSerializeOptions;
}

/**
 * OWASP's device cookies ("slow down online guessing attacks"): a browser that signed in as a user
 * before proves it with a JWS signed by our own signing keys (no new stored secret), so its logins
 * count against its own limit, not against the username a stranger can burn.
 */
@Injectable()
export class DeviceCookiesService {
  constructor(
    private readonly keys: KeysService,
    private readonly clock: Clock,
    @Inject(RATE_LIMIT_OPTIONS) private readonly config: RateLimitModuleOptions,
  ) {}

  /** `__Host-` binds it to this host, Secure and Path=/; plain-http development cannot use the prefix. */
  get name(): string {
    return this.config.cookieSecure ? '__Host-ra_device' : 'ra_device';
  }

  async issue(user: { id: string }): Promise<DeviceCookie> {
    const iat = Math.floor(this.clock.now() / 1000);
    const claims = { iss: this.config.issuer, sub: user.id, jti: randomUUID(), iat, exp: iat + DEVICE_COOKIE_TTL_SECONDS };
    return {
      name: this.name,
      value: await signJwt(claims, this.keys.signingKey(), { typ: DEVICE_TYP }),
      options: { httpOnly: true, secure: this.config.cookieSecure, sameSite: 'strict', path: '/', maxAge: DEVICE_COOKIE_TTL_SECONDS },
    };
  }

  /**
   * The device id and user id of a valid device cookie, else null. Trust ends with the cookie's exp or
   * with its signing key's retirement, whichever is first; the next login renews it. The cookie names
   * the user by id: whether that is the account now holding the username is the caller's question.
   */
  async deviceOf(cookies: RequestCookies): Promise<{ device: string; userId: string } | null> {
    const value = cookies?.[this.name];
    if (!value) return null;
    const claims = await verifyJwt(value, {
      typ: DEVICE_TYP,
      key: (kid) => this.keys.verificationKey(kid),
      issuer: this.config.issuer,
      maxLifetime: DEVICE_COOKIE_TTL_SECONDS,
      now: this.clock.now(),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'jti'],
    }).catch(() => null);
    if (!claims || typeof claims.jti !== 'string' || typeof claims.sub !== 'string') return null;
    return { device: claims.jti, userId: claims.sub };
  }
}
