import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** OAuthModule's options: the issuer (metadata, introspection), the introspection secret and the password grant switch. */
export type OAuthModuleOptions = Pick<Env['auth'], 'issuer' | 'introspectionSecret' | 'oauthPasswordGrant'>;

export const { ConfigurableModuleClass: OAuthConfigurableModule, MODULE_OPTIONS_TOKEN: OAUTH_OPTIONS } = moduleOptions<OAuthModuleOptions>('OAuth');
