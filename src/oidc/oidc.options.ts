import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** OidcModule's options: the issuer (iss of every token, the endpoints' base) and the audience and lifetime of access tokens. */
export type OidcModuleOptions = Pick<Env['auth'], 'issuer' | 'audience' | 'accessTtl'>;

export const { ConfigurableModuleClass: OidcConfigurableModule, MODULE_OPTIONS_TOKEN: OIDC_OPTIONS } = moduleOptions<OidcModuleOptions>('Oidc');
