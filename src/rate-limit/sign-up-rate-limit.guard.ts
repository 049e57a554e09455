import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { addressKey } from './address-key';
import { RateLimitsService } from './rate-limits.service';

/** Sign-up attempts per client address (AUTH_SIGNUP_MAX_PER_ADDRESS per AUTH_SIGNUP_WINDOW), taken before anything runs. */
@Injectable()
export class SignUpRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimitsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { ip } = context.switchToHttp().getRequest<FastifyRequest>();
    await this.limits.take([{ limiter: this.limits.signUpsPerAddress, key: addressKey(ip) }], 'Too many sign-ups from this address, try again later');
    return true;
  }
}
