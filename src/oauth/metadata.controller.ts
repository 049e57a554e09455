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
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      // authorization_code and client_credentials: for the applications of API.md §13.
      grant_types_supported: [...(this.config.oauthPasswordGrant ? ['password'] : []), 'refresh_token', 'authorization_code', 'client_credentials'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'private_key_jwt'],
      revocation_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'bearer'],
      // RFC 9449 §5.1: tokens bound to a proof's key when the request carries one.
      dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
      service_documentation: `${base}/docs`,
    };
  }
}
