import { Inject, Injectable } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock';
import { RATE_LIMIT_OPTIONS, type RateLimitModuleOptions } from './rate-limit.options';
import { decodeJws, signJws, verifyJwsSignature } from '../keys/jws';
import { KeysService } from '../keys/keys.service';

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

  issue(user: { id: string; username: string }): DeviceCookie {
    const iat = Math.floor(this.clock.now() / 1000);
    const key = this.keys.signingKey();
    const claims = { iss: this.config.issuer, sub: user.id, usr: user.username.toLowerCase(), jti: randomUUID(), iat, exp: iat + DEVICE_COOKIE_TTL_SECONDS };
    return {
      name: this.name,
      value: signJws({ alg: key.algorithm, kid: key.kid, typ: DEVICE_TYP }, claims, key.privateKey),
      options: { httpOnly: true, secure: this.config.cookieSecure, sameSite: 'strict', path: '/', maxAge: DEVICE_COOKIE_TTL_SECONDS },
    };
  }

  /**
   * The device id of a valid device cookie for this username, else null. Trust ends with the cookie's
   * exp or with its signing key's retirement, whichever is first; the next login renews it.
   */
  async deviceOf(cookies: RequestCookies, username: string): Promise<string | null> {
    const value = cookies?.[this.name];
    const jws = value ? decodeJws(value) : null;
    if (!jws || jws.header.typ !== DEVICE_TYP) return null;
    const key = await this.keys.verificationKey(jws.header.kid);
    if (!key || !verifyJwsSignature(jws, key.algorithm, key.publicKey)) return null;
    const { iss, usr, jti, exp } = jws.payload;
    const valid = iss === this.config.issuer && usr === username.toLowerCase() && typeof jti === 'string' && typeof exp === 'number';
    return valid && exp * 1000 > this.clock.now() ? jti : null;
  }
}
