import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { authConfig } from '../../config/configuration';
import { tooManyRequests } from '../login-throttle.service';
import { WindowCounters } from '../window-counters.service';

/**
 * A generous limit on the token endpoints per client address (AUTH_REFRESH_MAX_PER_MINUTE): a client
 * refreshes once per access-token lifetime, so hundreds a minute from one address is a script.
 */
@Injectable()
export class RefreshRateLimitGuard implements CanActivate {
  constructor(
    private readonly counters: WindowCounters,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const limit = this.config.refreshMaxPerMinute;
    if (limit === 0) return true;
    const { ip } = context.switchToHttp().getRequest<FastifyRequest>();
    const [count] = await this.counters.increment([`token-requests:ip:${ip}`], 60_000);
    if (count > limit) {
      const [window] = await this.counters.read([`token-requests:ip:${ip}`]);
      throw tooManyRequests('Too many token requests from this address, try again later', window.resetIn);
    }
    return true;
  }
}
