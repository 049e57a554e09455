import { Controller, Delete, Get, Header, Headers, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AccessTokensService,
  bearerToken,
  type Caller,
  ClientsService,
  CurrentUser,
  type Origin,
  RequestOrigin,
  SessionCookies,
  UsersService,
} from '../auth';
import { HttpError } from '../common/http-error';
import { Public } from '../common/public.decorator';
import { KeysService } from '../keys/keys.service';
import { ApplicationsService } from './applications.service';
import { IDENTITY_SCOPES } from './authorization.service';
import { escapeHtml, page, redirectWith } from './authorize-request';
import { BrowserSessionService } from './browser-session.service';
import { ConsentsService, type ConsentView } from './consents.service';
import { IdTokensService } from './id-tokens.service';
import { OIDC_OPTIONS, type OidcModuleOptions } from './oidc.options';

/** Discovery, UserInfo, RP-initiated logout and the user's consents (API.md §13). */
@ApiTags('openid')
@Controller()
export class OidcController {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly consents: ConsentsService,
    private readonly idTokens: IdTokensService,
    private readonly accessTokens: AccessTokensService,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly sessions: BrowserSessionService,
    private readonly cookies: SessionCookies,
    private readonly keys: KeysService,
    @Inject(OIDC_OPTIONS) private readonly config: OidcModuleOptions,
  ) {}

  @ApiOperation({ summary: 'OpenID Connect Discovery 1.0' })
  @Public()
  @Get('.well-known/openid-configuration')
  discovery() {
    const issuer = this.config.issuer;
    const base = issuer.replace(/\/+$/, '');
    return {
      issuer,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/oauth/token`,
      userinfo_endpoint: `${base}/userinfo`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      end_session_endpoint: `${base}/logout`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      subject_types_supported: ['public'],
      // The algorithm of the key that signs now (AUTH_SIGNING_ALGORITHM, ES256 by default).
      id_token_signing_alg_values_supported: [this.keys.signingKey().algorithm],
      scopes_supported: IDENTITY_SCOPES,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'amr',
        'sid',
        'at_hash',
        'preferred_username',
        'email',
        'email_verified',
        'roles',
      ],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt', 'none'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      code_challenge_methods_supported: ['S256'],
      prompt_values_supported: ['none', 'login', 'consent'],
      authorization_response_iss_parameter_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      claims_parameter_supported: false,
    };
  }

  @ApiOperation({ summary: 'OpenID Connect UserInfo: the claims the access token’s scope allows' })
  @ApiBearerAuth()
  @Public()
  @Get('userinfo')
  @Header('Cache-Control', 'no-store')
  userinfo(@Headers('authorization') authorization?: string) {
    return this.claims(authorization);
  }

  @ApiBearerAuth()
  @Public()
  @Post('userinfo')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  userinfoByPost(@Headers('authorization') authorization?: string) {
    return this.claims(authorization);
  }

  /**
   * RP-initiated logout 1.0: with an ID token of ours as hint, the application's session ends and so
   * does this browser's sign-in, then the browser goes to a post-logout URI the app registered, exactly.
   * Without a valid hint nothing ends: a link on another site cannot sign anyone out.
   */
  @ApiOperation({ summary: 'RP-initiated logout: id_token_hint, post_logout_redirect_uri (exact match), state' })
  @Public()
  @Get('logout')
  @Header('Cache-Control', 'no-store')
  async logout(@Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply, @RequestOrigin() origin: Origin) {
    const hint = typeof query.id_token_hint === 'string' ? await this.idTokens.verifyHint(query.id_token_hint) : null;
    const clientId = typeof query.client_id === 'string' ? query.client_id : typeof hint?.aud === 'string' ? hint.aud : undefined;
    if (!hint || typeof hint.sub !== 'string' || (clientId !== undefined && hint.aud !== clientId)) {
      return this.page(reply, 400, 'Cannot sign out', 'This sign-out link is not valid. Sign out from your account page instead.');
    }
    const application = await this.applications.find(clientId);
    const target = query.post_logout_redirect_uri;
    if (target !== undefined && (typeof target !== 'string' || !application?.postLogoutRedirectUris.includes(target))) {
      return this.page(reply, 400, 'Cannot sign out', 'The post_logout_redirect_uri is not one this application registered.');
    }
    if (typeof hint.sid === 'string') await this.clients.endById(hint.sid, 'logout', origin, { kind: 'user', userId: hint.sub, clientId: hint.sid });
    const session = await this.sessions.of(request);
    if (session && session.userId === hint.sub) {
      await this.clients.endById(session.clientId, 'logout', origin, { kind: 'user', userId: session.userId, clientId: session.clientId });
      this.cookies.clear(reply);
    }
    if (typeof target === 'string') {
      return void reply.redirect(redirectWith(target, { state: typeof query.state === 'string' ? query.state : undefined }), 303);
    }
    return this.page(reply, 200, 'Signed out', `You are signed out of ${escapeHtml(application?.name ?? 'the application')}.`);
  }

  @ApiOperation({ summary: 'The third-party applications the caller allowed, and what' })
  @ApiBearerAuth()
  @Get('me/consents')
  myConsents(@CurrentUser() caller: Caller): Promise<ConsentView[]> {
    return this.consents.list(caller.userId);
  }

  @ApiOperation({ summary: 'Withdraws a consent: the application asks again, and its sessions of the caller end' })
  @ApiBearerAuth()
  @Delete('me/consents/:clientId')
  @HttpCode(204)
  async revokeConsent(@CurrentUser() caller: Caller, @Param('clientId') clientId: string): Promise<void> {
    if (!(await this.consents.revoke(caller.userId, clientId))) throw new NotFoundException('Consent not found');
    await this.clients.endForApplication(clientId, 'revoked', { kind: 'user', userId: caller.userId, clientId: caller.clientId }, caller.userId);
  }

  private async claims(authorization: string | undefined): Promise<Record<string, unknown>> {
    const token = bearerToken(authorization);
    const authenticated = token ? await this.accessTokens.authenticate(token).catch(() => null) : null;
    if (!authenticated) {
      throw new HttpError(401, 'Unauthorized', 'A valid access token is required', {
        'WWW-Authenticate': token ? 'Bearer error="invalid_token"' : 'Bearer',
      });
    }
    const scopes = new Set(authenticated.scope?.split(' ') ?? []);
    if (!scopes.has('openid')) {
      throw new HttpError(403, 'Forbidden', 'The access token lacks the openid scope', {
        'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="openid"',
      });
    }
    const user = await this.users.findById(authenticated.caller.userId);
    return {
      sub: user.id,
      ...(scopes.has('profile') && { preferred_username: user.username }),
      ...(scopes.has('email') && user.email && { email: user.email, email_verified: user.emailVerifiedAt !== null }),
      ...(authenticated.roles.length > 0 && { roles: authenticated.roles }),
    };
  }

  private page(reply: FastifyReply, status: number, title: string, message: string): void {
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(page(title, `<p>${message}</p><p><a href="/account">Your account</a></p>`));
  }
}
