import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { DeviceCookiesService } from './device-cookies.service';
import { LoginLimitsService } from './login-limits.service';
import { RateLimitsService } from './rate-limits.service';
import { RefreshRateLimitGuard } from './refresh-rate-limit.guard';
import { SignUpRateLimitGuard } from './sign-up-rate-limit.guard';

/** Every rate limit (rate-limiter-flexible, Redis when configured) and the device cookies of trusted logins. */
@Module({
  imports: [KeysModule],
  providers: [RateLimitsService, LoginLimitsService, DeviceCookiesService, RefreshRateLimitGuard, SignUpRateLimitGuard],
  exports: [RateLimitsService, LoginLimitsService, DeviceCookiesService, RefreshRateLimitGuard, SignUpRateLimitGuard],
})
export class RateLimitModule {}
