import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** OAuthModule's options: the issuer (metadata, introspection), the introspection secret, the password grant switch and the scopes open to all. */
export type OAuthModuleOptions = Pick<Env['auth'], 'issuer' | 'introspectionSecret' | 'oauthPasswordGrant' | 'openScopes'>;

export const { ConfigurableModuleClass: OAuthConfigurableModule, MODULE_OPTIONS_TOKEN: OAUTH_OPTIONS } = moduleOptions<OAuthModuleOptions>('OAuth');
