import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/**
 * RateLimitModule's options: the login, sign-up, refresh and recovery limits, and what the device
 * cookies need (the issuer they are signed for, whether they are Secure).
 */
export type RateLimitModuleOptions = Pick<
  Env['auth'],
  | 'loginWindow'
  | 'loginMaxFailuresPerUserAddress'
  | 'loginMaxFailuresPerUser'
  | 'loginMaxFailuresPerDevice'
  | 'loginMaxFailuresPerAddress'
  | 'loginMaxSuccessesPerAddress'
  | 'signupMaxPerAddress'
  | 'signupWindow'
  | 'refreshMaxPerMinute'
  | 'issuer'
  | 'cookieSecure'
> & { recovery: Pick<Env['recovery'], 'window' | 'maxPerAddress' | 'maxPerAccount'> };

export const { ConfigurableModuleClass: RateLimitConfigurableModule, MODULE_OPTIONS_TOKEN: RATE_LIMIT_OPTIONS } =
  moduleOptions<RateLimitModuleOptions>('RateLimit');
