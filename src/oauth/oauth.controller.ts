import { ApiBasicAuth, ApiBearerAuth, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Controller, Header, Headers, HttpCode, HttpException, Inject, Post, UnauthorizedException, UseFilters, UseGuards } from '@nestjs/common';
import {
  AuthService,
  ClientsService,
  LoginDto,
  MfaRequiredException,
  type Origin,
  parseRoles,
  RefreshRejectedException,
  RequestOrigin,
  unearnedScopes,
} from '../auth';
import { Public } from '../common/public.decorator';
import { WithRouteOptions } from '../common/route-options';
import { validateInput } from '../common/validate-input';
import { OAUTH_OPTIONS, type OAuthModuleOptions } from './oauth.options';
import { Cookies, RefreshRateLimitGuard, type RequestCookies } from '../rate-limit';
import { IntrospectionService } from './introspection.service';
import { OAuthExceptionFilter } from './oauth-exception.filter';
import { oauthError, OAuthParams, OAuthRequest, requestedScope } from './oauth-params';

/**
 * Every OAuth endpoint: form bodies as RFC 6749 requires, and RFC 6749 errors even for what fails
 * before the handler (content type, body parsing, size), which the controller's filter cannot see.
 */
const OAuthEndpoint = () => WithRouteOptions({ formBody: true, errorFilter: new OAuthExceptionFilter() });

/**
 * RFC 6749 token endpoint, RFC 7009 revocation and RFC 7662 introspection for OAuth-aware clients:
 * the same AuthService underneath as the article's endpoints. First-party public clients need no
 * client authentication; a `client_id` is accepted and ignored.
 */
@ApiTags('oauth')
@ApiConsumes('application/x-www-form-urlencoded', 'application/json')
@ApiResponse({ status: 400, description: 'RFC 6749 §5.2: {error, error_description}' })
@Public()
@UseFilters(OAuthExceptionFilter)
@Controller('oauth')
export class OAuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly introspection: IntrospectionService,
    private readonly clients: ClientsService,
    @Inject(OAUTH_OPTIONS) private readonly config: OAuthModuleOptions,
  ) {}

  @ApiOperation({
    summary:
      'RFC 6749 token endpoint: grant_type=refresh_token (refresh_token, optional scope: may narrow, never widen), or password (username, password, optional scope) when AUTH_OAUTH_PASSWORD_GRANT=true; a scope must be earned (a role of its name, or AUTH_OPEN_SCOPES), else invalid_scope; the access token carries the scope, and the answer says it',
  })
  @ApiResponse({ status: 200, description: '{access_token, token_type, expires_in, refresh_token, scope?}' })
  @ApiResponse({ status: 429, description: '{error: "slow_down"} with Retry-After' })
  @Post('token')
  @OAuthEndpoint()
  @UseGuards(RefreshRateLimitGuard)
  @HttpCode(200)
  @Header('Pragma', 'no-cache')
  async token(@OAuthRequest() params: OAuthParams, @RequestOrigin() origin: Origin, @Cookies() cookies: RequestCookies) {
    const grantType = params.required('grant_type');
    const tokens = await this.grant(grantType, params, origin, cookies).catch((error: unknown) => {
      // The password was right, a second factor is needed (API.md §11): finished at POST /auth/mfa.
      if (error instanceof MfaRequiredException && error.challenge) {
        const { mfaToken, methods, expiresIn } = error.challenge;
        throw oauthError('mfa_required', error.message, 403, { mfa_token: mfaToken, methods, expires_in: expiresIn });
      }
      // Wrong credentials, a disabled account (403) and dead refresh tokens are all "invalid_grant" (§5.2); 429 stays 429.
      const disabled = error instanceof HttpException && error.getStatus() === 403;
      if (error instanceof RefreshRejectedException || error instanceof UnauthorizedException || disabled) {
        throw oauthError('invalid_grant', error.message);
      }
      throw error;
    });
    const scope = scopeOf(tokens.accessToken);
    return {
      access_token: tokens.accessToken,
      token_type: 'Bearer',
      expires_in: tokens.expiresIn,
      refresh_token: tokens.refreshToken,
      // RFC 6749 §5.1: required when it differs from the request; a refresh drops scopes whose role was taken away.
      ...(scope && { scope }),
    };
  }

  /** invalid_scope for a scope the user has not earned (scope-policy.ts): asking is not enough. */
  private checkEarned(scope: string, roles: readonly string[]): void {
    const unearned = unearnedScopes(scope, roles, this.config.openScopes);
    if (unearned.length > 0) throw oauthError('invalid_scope', `scope ${unearned.join(' ')} is not allowed for this user`.slice(0, 200));
  }

  /** The state of the client whose really issued refresh token this is; null for a guessed or spent secret. */
  private async clientOf(refreshToken: string) {
    const clientId = await this.auth.issuedClientId(refreshToken);
    return clientId ? this.clients.state(clientId) : null;
  }

  private async grant(grantType: string, params: OAuthParams, origin: Origin, cookies: RequestCookies) {
    switch (grantType) {
      case 'password': {
        if (!this.config.oauthPasswordGrant) break;
        // The rules of POST /auth, before any argon2 work: a 10,000-character password is a 400.
        const { username, password } = validateInput(LoginDto, { username: params.required('username'), password: params.required('password') });
        const user = await this.auth.checkCredentials(username, password, { ip: origin.ip ?? 'unknown', cookies });
        const scope = requestedScope(params);
        if (scope !== undefined) this.checkEarned(scope, parseRoles(user.roles));
        return (await this.auth.login(user, true, origin, scope ?? null)).token;
      }
      case 'refresh_token': {
        const refreshToken = params.required('refresh_token');
        const scope = requestedScope(params);
        // Before the rotation, so a refused request spends nothing; only for a really issued token, so a client
        // id with a made-up secret learns nothing of the user's roles. Any other token fails in refresh().
        const client = scope === undefined ? null : await this.clientOf(refreshToken);
        if (scope !== undefined && client) this.checkEarned(scope, client.userRoles);
        return (await this.auth.refresh(refreshToken, origin, scope)).token;
      }
    }
    throw oauthError('unsupported_grant_type', `grant_type ${JSON.stringify(grantType).slice(0, 64)} is not supported`);
  }

  /** RFC 7009: 200 whether or not the token was valid; a refresh or access token ends its client. */
  @ApiOperation({ summary: 'RFC 7009 revocation of a refresh or access token (form field token): always 200' })
  @Post('revoke')
  @OAuthEndpoint()
  @HttpCode(200)
  async revoke(@OAuthRequest() params: OAuthParams, @RequestOrigin() origin: Origin): Promise<void> {
    const token = params.required('token');
    params.optional('token_type_hint');
    await this.auth.revokeAny(token, origin);
  }

  /** RFC 7662: `{active: false}` for anything not currently valid or not the caller's to see. */
  @ApiOperation({ summary: 'RFC 7662 introspection (form field token); Basic introspection:<secret> or a Bearer access token' })
  @ApiBasicAuth()
  @ApiBearerAuth()
  @ApiResponse({ status: 401, description: '{error: "invalid_client"}' })
  @Post('introspect')
  @OAuthEndpoint()
  @HttpCode(200)
  async introspect(@OAuthRequest() params: OAuthParams, @Headers('authorization') authorization?: string) {
    const caller = await this.introspection.authenticateCaller(authorization);
    return this.introspection.introspect(params.required('token'), caller);
  }
}

/** The scope our freshly issued access token carries (its payload, which we just signed). */
function scopeOf(accessToken: string): string | undefined {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as { scope?: unknown };
  return typeof payload.scope === 'string' ? payload.scope : undefined;
}
