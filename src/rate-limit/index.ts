export { DeviceCookiesService, type RequestCookies } from './device-cookies.service';
export { LoginLimitsService } from './login-limits.service';
export { RateLimitModule } from './rate-limit.module';
export { RefreshRateLimitGuard } from './refresh-rate-limit.guard';
export { Cookies } from './request-cookies.decorator';
export { SignUpRateLimitGuard } from './sign-up-rate-limit.guard';
export { tooManyRequests } from './too-many-requests';
