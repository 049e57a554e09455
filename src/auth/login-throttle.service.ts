import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpError } from '../common/http-error';
import { authConfig } from '../config/configuration';
import { WindowCounters } from './window-counters.service';

export function tooManyRequests(message: string, retryAfterMs: number): HttpError {
  return new HttpError(429, 'Too Many Requests', message, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) });
}

/**
 * Failed-login counters per username and, more loosely, per client address (shared through Redis
 * when configured). Only failures count, so a user is never slowed by their own successful logins.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly counters: WindowCounters,
  ) {}

  /** Throws 429 with Retry-After while either counter is at its limit. */
  async assertAllowed(username: string, ip: string): Promise<void> {
    const [byUser, byAddress] = await this.counters.read([userKey(username), addressKey(ip)]);
    const retryAfterMs = Math.max(
      byUser.count >= this.config.loginMaxFailuresPerUser ? byUser.resetIn : 0,
      byAddress.count >= this.config.loginMaxFailuresPerAddress ? byAddress.resetIn : 0,
    );
    if (retryAfterMs > 0) throw tooManyRequests('Too many failed login attempts, try again later', retryAfterMs);
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await this.counters.increment([userKey(username), addressKey(ip)], this.config.loginWindow * 1000);
  }
}

const userKey = (username: string) => `login-failures:user:${username.toLowerCase()}`;
const addressKey = (ip: string) => `login-failures:ip:${ip}`;
