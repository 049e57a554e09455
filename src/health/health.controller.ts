import { ApiTags } from '@nestjs/swagger';
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import { Public } from '../common/public.decorator';
import { DatabaseHealthIndicator } from './database.health';
import { RedisHealthIndicator } from './redis.health';
import { WebhooksHealthIndicator } from './webhooks.health';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly webhooks: WebhooksHealthIndicator,
  ) {}

  /** 200 when every dependency is up, 503 otherwise; the webhook backlog is a detail (webhooks.health.ts). */
  @Public()
  @Get()
  @HealthCheck()
  check() {
    const checks: HealthIndicatorFunction[] = [() => this.database.isHealthy()];
    if (this.redis.configured) checks.push(() => this.redis.isHealthy());
    if (this.webhooks.configured) checks.push(() => this.webhooks.isHealthy());
    return this.health.check(checks);
  }
}
