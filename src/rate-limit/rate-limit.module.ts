import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { RedisModule } from '../redis/redis.module';
import { DeviceCookiesService } from './device-cookies.service';
import { LoginLimitsService } from './login-limits.service';
import { RateLimitsService } from './rate-limits.service';
import { RefreshRateLimitGuard } from './refresh-rate-limit.guard';
import { SignUpRateLimitGuard } from './sign-up-rate-limit.guard';
import { RateLimitConfigurableModule } from './rate-limit.options';

/**
 * Every rate limit (rate-limiter-flexible, Redis when configured) and the device cookies of trusted
 * logins, signed with KeysModule's keys: `RateLimitModule.forRoot(options)`.
 */
@Module({
  imports: [KeysModule, RedisModule],
  providers: [RateLimitsService, LoginLimitsService, DeviceCookiesService, RefreshRateLimitGuard, SignUpRateLimitGuard],
  exports: [RateLimitsService, LoginLimitsService, DeviceCookiesService, RefreshRateLimitGuard, SignUpRateLimitGuard],
})
export class RateLimitModule extends RateLimitConfigurableModule {}
