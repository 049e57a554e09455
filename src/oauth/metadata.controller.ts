import { ApiTags } from '@nestjs/swagger';
import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '../common/public.decorator';
import { OAUTH_OPTIONS, type OAuthModuleOptions } from './oauth.options';
import { DPOP_ALGORITHMS } from '../dpop';

/** RFC 8414 authorization-server metadata: where OAuth-aware clients find everything else. */
@ApiTags('well-known')
@Controller('.well-known')
export class MetadataController {
  constructor(@Inject(OAUTH_OPTIONS) private readonly config: OAuthModuleOptions) {}

  @Public()
  @Get('oauth-authorization-server')
  metadata() {
    const issuer = this.config.issuer;
    const base = issuer.replace(/\/+$/, '');
    return {
      issuer,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      grant_types_supported: this.config.oauthPasswordGrant ? ['password', 'refresh_token'] : ['refresh_token'],
      // No authorization endpoint: logins are first-party (POST /auth); nothing is redirected.
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'bearer'],
      // RFC 9449 §5.1: tokens bound to a proof's key when the request carries one.
      dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
      service_documentation: `${base}/docs`,
    };
  }
}
