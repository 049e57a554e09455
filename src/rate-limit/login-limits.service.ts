import { Injectable } from '@nestjs/common';
import { addressKey } from './address-key';
import { DeviceCookiesService, RequestCookies } from './device-cookies.service';
import { Budget, nameKey, RateLimitsService } from './rate-limits.service';

export interface LoginAttempt {
  username: string;
  ip: string;
  cookies?: RequestCookies;
  /** The id of the account that holds the username now, or null: asked only when a valid device cookie came. */
  currentUserId: () => Promise<string | null>;
}

const TOO_MANY_LOGINS = 'Too many login attempts, try again later';

/**
 * Password checks under the limits. Each attempt takes its points atomically before argon2 runs and
 * gives back what did not happen (the failure points on success, the success point on failure), so
 * no more than the limit is ever checked per window and key, however many arrive at once.
 */
@Injectable()
export class LoginLimitsService {
  constructor(
    private readonly limits: RateLimitsService,
    private readonly devices: DeviceCookiesService,
  ) {}

  /**
   * A login's password check. From a trusted device (a valid device cookie of the account that now
   * holds this username) the failures count per device and per user across its devices; otherwise per
   * username and address (strict), per username (loose) and per address. Successful logins count per
   * address.
   */
  async checkLogin<T>(attempt: LoginAttempt, check: () => Promise<T | null>): Promise<T | null> {
    const { limits } = this;
    const trusted = await this.trustedDevice(attempt);
    const name = nameKey(attempt.username);
    const address = addressKey(attempt.ip);
    const failures: Budget[] = trusted
      ? [
          { limiter: limits.loginFailuresPerDevice, key: trusted.device },
          // All of the user's devices together: cookies stockpiled while the password was known
          // must not multiply the guesses. A key of its own, which no stranger without a cookie reaches.
          { limiter: limits.loginFailuresPerUser, key: `devices:${trusted.userId}` },
        ]
      : [
          // The address first: once it is spent, a spray of usernames makes no more counters.
          { limiter: limits.loginFailuresPerAddress, key: address },
          { limiter: limits.loginFailuresPerUserAddress, key: `${name}:${address}` },
          { limiter: limits.loginFailuresPerUser, key: name },
        ];
    return this.checkUnder(failures, [{ limiter: limits.loginSuccessesPerAddress, key: address }], check);
  }

  /**
   * The device cookie counts only for the account it was issued to, named by id: a deleted account's
   * cookies are nothing to a new account that took its name. The lookup runs for every valid cookie,
   * whether the name exists or not, so its cost tells nothing about the name.
   */
  private async trustedDevice(attempt: LoginAttempt): Promise<{ device: string; userId: string } | null> {
    const cookie = await this.devices.deviceOf(attempt.cookies);
    if (!cookie) return null;
    return (await attempt.currentUserId()) === cookie.userId ? cookie : null;
  }

  /**
   * The current-password check of POST /me/password. The caller holds a live client, so its failures
   * count per client and, loosely, per user: budgets no stranger without an access token can reach.
   */
  checkPasswordChange<T>(caller: { userId: string; clientId: string }, check: () => Promise<T | null>): Promise<T | null> {
    const failures = [
      { limiter: this.limits.loginFailuresPerDevice, key: `client:${caller.clientId}` },
      { limiter: this.limits.passwordFailuresPerUser, key: caller.userId },
    ];
    return this.checkUnder(failures, [], check);
  }

  private async checkUnder<T>(failures: Budget[], successes: Budget[], check: () => Promise<T | null>): Promise<T | null> {
    await this.limits.take([...failures, ...successes], TOO_MANY_LOGINS);
    let result: T | null;
    try {
      result = await check();
    } catch (error) {
      await this.limits.giveBack([...failures, ...successes]);
      throw error;
    }
    await this.limits.giveBack(result ? failures : successes);
    return result;
  }
}
