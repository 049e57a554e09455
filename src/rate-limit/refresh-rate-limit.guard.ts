import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { addressKey } from './address-key';
import { RateLimitsService } from './rate-limits.service';

/**
 * A generous limit on the token endpoints per client address (AUTH_REFRESH_MAX_PER_MINUTE): a client
 * refreshes once per access-token lifetime, so hundreds a minute from one address is a script.
 */
@Injectable()
export class RefreshRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimitsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const limiter = this.limits.tokenRequestsPerAddress;
    if (!limiter) return true;
    const { ip } = context.switchToHttp().getRequest<FastifyRequest>();
    await this.limits.take([{ limiter, key: addressKey(ip) }], 'Too many token requests from this address, try again later');
    return true;
  }
}
