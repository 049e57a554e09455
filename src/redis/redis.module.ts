import { Module } from '@nestjs/common';
import { RedisService } from './redis.service';
import { RedisConfigurableModule } from './redis.options';

/** The optional shared Redis: `RedisModule.forRoot({ url, keyPrefix })`, global like every configured module. */
@Module({
  providers: [RedisService],
  exports: [RedisService],
})
export class RedisModule extends RedisConfigurableModule {}
