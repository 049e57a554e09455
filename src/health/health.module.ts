import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RedisModule } from '../redis/redis.module';
import { WebhooksModule } from '../events';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';
import { WebhooksHealthIndicator } from './webhooks.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), RedisModule, WebhooksModule],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, RedisHealthIndicator, WebhooksHealthIndicator],
})
export class HealthModule {}
