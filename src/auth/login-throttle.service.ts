import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpError } from '../common/http-error';
import { authConfig } from '../config/configuration';
import { RedisService } from '../redis/redis.service';

interface Window {
  failures: number;
  /** Milliseconds until the window closes. */
  resetIn: number;
}

/** Bounds memory under a flood of distinct names or addresses; the oldest windows go first. */
const MAX_TRACKED = 100_000;

/** INCR, and start the window's clock on its first failure: atomic in Redis. */
const INCREMENT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;

/**
 * Failed-login counters per username and, more loosely, per client address, in fixed windows.
 * Only failures count, so a user who knows their password is never slowed by their own logins.
 * With REDIS_URL the counters are shared by every instance; while Redis is unreachable each
 * instance counts on its own: limits loosen by the number of instances, they never switch off,
 * and nobody is locked out because Redis is.
 */
@Injectable()
export class LoginThrottleService {
  private readonly local = new Map<string, { failures: number; resetAt: number }>();

  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly redis: RedisService,
  ) {}

  /** Throws 429 with Retry-After while either counter is at its limit. */
  async assertAllowed(username: string, ip: string): Promise<void> {
    const [byUser, byAddress] = await this.read([userKey(username), addressKey(ip)]);
    const retryAfterMs = Math.max(
      byUser.failures >= this.config.loginMaxFailuresPerUser ? byUser.resetIn : 0,
      byAddress.failures >= this.config.loginMaxFailuresPerAddress ? byAddress.resetIn : 0,
    );
    if (retryAfterMs > 0) {
      throw new HttpError(429, 'Too Many Requests', 'Too many failed login attempts, try again later', {
        'Retry-After': String(Math.ceil(retryAfterMs / 1000)),
      });
    }
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    const keys = [userKey(username), addressKey(ip)];
    const windowMs = this.config.loginWindow * 1000;
    const redis = this.redis.client;
    if (redis) {
      try {
        await Promise.all(keys.map((key) => redis.eval(INCREMENT, 1, this.redis.key(key), windowMs)));
        return;
      } catch {
        // Redis unreachable: count here instead.
      }
    }
    for (const key of keys) this.countLocally(key, windowMs);
  }

  private async read(keys: string[]): Promise<Window[]> {
    const redis = this.redis.client;
    if (redis) {
      try {
        const pipeline = redis.pipeline();
        for (const key of keys) pipeline.get(this.redis.key(key)).pttl(this.redis.key(key));
        const results = (await pipeline.exec()) ?? [];
        if (results.every(([error]) => !error)) {
          return keys.map((_, i) => ({
            failures: Number(results[2 * i][1] ?? 0),
            resetIn: Math.max(Number(results[2 * i + 1][1]), 0),
          }));
        }
      } catch {
        // Redis unreachable: read the local counters.
      }
    }
    const now = Date.now();
    return keys.map((key) => {
      const window = this.local.get(key);
      return window && window.resetAt > now ? { failures: window.failures, resetIn: window.resetAt - now } : { failures: 0, resetIn: 0 };
    });
  }

  private countLocally(key: string, windowMs: number): void {
    const now = Date.now();
    const window = this.local.get(key);
    if (window && window.resetAt > now) {
      window.failures += 1;
      return;
    }
    this.local.delete(key);
    if (this.local.size >= MAX_TRACKED) this.local.delete(this.local.keys().next().value as string);
    this.local.set(key, { failures: 1, resetAt: now + windowMs });
  }
}

const userKey = (username: string) => `login-failures:user:${username.toLowerCase()}`;
const addressKey = (ip: string) => `login-failures:ip:${ip}`;
