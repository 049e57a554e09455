import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/**
 * IdentitiesModule's options: where mailed links and callbacks point, the configured upstream
 * providers, whether they may create accounts (AUTH_SIGNUP), the origins returnTo may name, and
 * whether plain-http issuers are allowed (never in production).
 */
export type IdentitiesModuleOptions = Env['identities'] & { publicUrl: string; signup: boolean; corsOrigins: string[]; cookieSecure: boolean };

export const { ConfigurableModuleClass: IdentitiesConfigurableModule, MODULE_OPTIONS_TOKEN: IDENTITIES_OPTIONS } =
  moduleOptions<IdentitiesModuleOptions>('Identities');
