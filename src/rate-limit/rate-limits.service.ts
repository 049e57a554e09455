import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { RATE_LIMIT_OPTIONS, type RateLimitModuleOptions } from './rate-limit.options';
import { RedisService } from '../redis/redis.service';
import { tooManyRequests } from './too-many-requests';

/** A Redis answer slower than this counts as an outage: the in-process limiter answers instead. */
const REDIS_TIMEOUT_MS = 250;

type Limiter = Pick<RateLimiterAbstract, 'consume' | 'reward'>;

/** One point of one limiter: what an attempt takes before it runs and may give back after. */
export interface Budget {
  limiter: Limiter;
  key: string;
}

const settle = ({ limiter, key }: Budget): Promise<PromiseSettledResult<unknown>> =>
  limiter.consume(key).then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );

/** Usernames go into keys hashed: bounded length, and no account names in Redis. */
export const nameKey = (username: string) => createHash('sha256').update(username.toLowerCase()).digest('base64url').slice(0, 22);

/**
 * Every limit of the service, on rate-limiter-flexible: in Redis when REDIS_URL is set (shared by
 * all instances), else in the process. A Redis that fails or stalls falls back to an in-process
 * limiter of the same size: limits loosen by the instance count, never switch off, never lock out.
 */
@Injectable()
export class RateLimitsService {
  readonly tokenRequestsPerAddress: Limiter | null;
  readonly signUpsPerAddress: Limiter;
  readonly loginFailuresPerUserAddress: Limiter;
  readonly loginFailuresPerUser: Limiter;
  readonly loginFailuresPerDevice: Limiter;
  readonly loginFailuresPerAddress: Limiter;
  readonly loginSuccessesPerAddress: Limiter;
  readonly passwordFailuresPerUser: Limiter;
  readonly recoveryPerAddress: Limiter;
  readonly recoveryPerAccount: Limiter;

  constructor(
    private readonly redis: RedisService,
    @Inject(RATE_LIMIT_OPTIONS) config: RateLimitModuleOptions,
  ) {
    const { recovery } = config;
    const window = config.loginWindow;
    this.tokenRequestsPerAddress = config.refreshMaxPerMinute > 0 ? this.limiter('token-ip', config.refreshMaxPerMinute, 60) : null;
    this.signUpsPerAddress = this.limiter('signup-ip', config.signupMaxPerAddress, config.signupWindow);
    this.loginFailuresPerUserAddress = this.limiter('login-fail-user-ip', config.loginMaxFailuresPerUserAddress, window);
    this.loginFailuresPerUser = this.limiter('login-fail-user', config.loginMaxFailuresPerUser, window);
    this.loginFailuresPerDevice = this.limiter('login-fail-device', config.loginMaxFailuresPerDevice, window);
    this.loginFailuresPerAddress = this.limiter('login-fail-ip', config.loginMaxFailuresPerAddress, window);
    this.loginSuccessesPerAddress = this.limiter('login-ok-ip', config.loginMaxSuccessesPerAddress, window);
    this.passwordFailuresPerUser = this.limiter('password-fail-user', config.loginMaxFailuresPerUser, window);
    this.recoveryPerAddress = this.limiter('recovery-ip', recovery.maxPerAddress, recovery.window);
    this.recoveryPerAccount = this.limiter('recovery-account', recovery.maxPerAccount, recovery.window);
  }

  /**
   * Takes one point of every budget (each an atomic increment) or none: when any is spent, the others
   * are given back and the caller gets 429 with the longest wait. The first budget is taken alone, so
   * a refused flood (say, one address spraying usernames) makes no counters beyond that first one.
   */
  async take(budgets: Budget[], message: string): Promise<void> {
    const [first, ...rest] = budgets;
    const results = [await settle(first)];
    if (results[0].status === 'fulfilled') results.push(...(await Promise.all(rest.map(settle))));
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (refused.length === 0) return;
    await this.giveBack(budgets.filter((_, i) => results[i]?.status === 'fulfilled'));
    const unexpected = refused.find((reason) => !(reason instanceof RateLimiterRes));
    if (unexpected) throw unexpected;
    throw tooManyRequests(message, Math.max(...refused.map((reason) => (reason as RateLimiterRes).msBeforeNext)));
  }

  async giveBack(budgets: Budget[]): Promise<void> {
    await Promise.all(budgets.map(({ limiter, key }) => limiter.reward(key)));
  }

  private limiter(name: string, points: number, duration: number): Limiter {
    const memory = new RateLimiterMemory({ keyPrefix: name, points, duration });
    const client = this.redis.client;
    if (!client) return memory;
    // Not ready (down) fails at once; a stalled answer is cut short by the wrapper. Either way the
    // wrapper's insurance answers, counted once (the Redis limiter itself has none, so no double count).
    const shared = new RateLimiterRedis({
      storeClient: client,
      keyPrefix: this.redis.key(`rl:${name}`),
      points,
      duration,
      rejectIfRedisNotReady: true,
    });
    return new RLWrapperTimeouts({ limiter: shared, timeoutMs: REDIS_TIMEOUT_MS, insuranceLimiter: memory });
  }
}
