import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisService } from '../redis/redis.service';

/** Up when Redis answers a PING; not reported at all when REDIS_URL is unset. */
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
    return (await this.redis.isUp()) ? indicator.up() : indicator.down({ message: 'unreachable' });
  }
}
