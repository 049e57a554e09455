import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpError } from '../common/http-error';
import { authConfig } from '../config/configuration';

interface Window {
  failures: number;
  resetAt: number;
}

/** Bounds memory under a flood of distinct names or addresses; the oldest windows go first. */
const MAX_TRACKED = 100_000;

/**
 * Failed-login counters per username and, more loosely, per client address, in fixed windows.
 * Only failures count, so a user who knows their password is never slowed by their own logins.
 */
@Injectable()
export class LoginThrottleService {
  private readonly windows = new Map<string, Window>();

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  /** Throws 429 with Retry-After while either counter is at its limit. */
  assertAllowed(username: string, ip: string): void {
    const now = Date.now();
    const retryAfter = Math.max(
      this.blockedFor(`user:${username.toLowerCase()}`, this.config.loginMaxFailuresPerUser, now),
      this.blockedFor(`ip:${ip}`, this.config.loginMaxFailuresPerAddress, now),
    );
    if (retryAfter > 0) {
      throw new HttpError(429, 'Too Many Requests', 'Too many failed login attempts, try again later', {
        'Retry-After': String(retryAfter),
      });
    }
  }

  recordFailure(username: string, ip: string): void {
    const now = Date.now();
    this.count(`user:${username.toLowerCase()}`, now);
    this.count(`ip:${ip}`, now);
  }

  private blockedFor(key: string, limit: number, now: number): number {
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now || window.failures < limit) return 0;
    return Math.ceil((window.resetAt - now) / 1000);
  }

  private count(key: string, now: number): void {
    const window = this.windows.get(key);
    if (window && window.resetAt > now) {
      window.failures += 1;
      return;
    }
    this.windows.delete(key);
    if (this.windows.size >= MAX_TRACKED) this.windows.delete(this.windows.keys().next().value as string);
    this.windows.set(key, { failures: 1, resetAt: now + this.config.loginWindow * 1000 });
  }
}
