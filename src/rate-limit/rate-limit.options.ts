import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** RateLimitModule's options: the auth settings (login, sign-up and refresh limits) and the recovery limits. */
export type RateLimitModuleOptions = Env['auth'] & { recovery: Env['recovery'] };

export const { ConfigurableModuleClass: RateLimitConfigurableModule, MODULE_OPTIONS_TOKEN: RATE_LIMIT_OPTIONS } =
  moduleOptions<RateLimitModuleOptions>();
