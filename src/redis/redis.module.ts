import { Module } from '@nestjs/common';
import { RedisService } from './redis.service';
import { RedisConfigurableModule } from './redis.options';

/** The optional shared Redis: `RedisModule.forRoot({ url, keyPrefix })`, imported by what keeps state across instances. */
@Module({
  providers: [RedisService],
  exports: [RedisService],
})
export class RedisModule extends RedisConfigurableModule {}
