import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisService } from '../redis/redis.service';
import { withTimeout } from './with-timeout';

/** Up when Redis answers a PING within the check's bound; not reported at all when REDIS_URL is unset. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly redis: RedisService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.redis.client !== null;
  }

  async isHealthy() {
    const indicator = this.indicators.check('redis');
    const up = await withTimeout(this.redis.isUp()).catch(() => false);
    return up ? indicator.up() : indicator.down({ message: 'unreachable' });
  }
}
