import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** OAuthModule's options: the auth settings (issuer, introspection secret, password grant), as Env['auth'] holds them. */
export type OAuthModuleOptions = Env['auth'];

export const { ConfigurableModuleClass: OAuthConfigurableModule, MODULE_OPTIONS_TOKEN: OAUTH_OPTIONS } = moduleOptions<OAuthModuleOptions>();
