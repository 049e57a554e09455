import { createHash } from 'node:crypto';
import { Body, Controller, Get, Header, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpException } from '@nestjs/common';
import { SessionCookies } from '../auth';
import { Clock } from '../common/clock';
import { Public } from '../common/public.decorator';
import { WithRouteOptions } from '../common/route-options';
import { JwtRejected, signJwt, verifyJwt } from '../keys/jwt';
import { CLOCK_TOLERANCE_SECONDS, KeysService } from '../keys/keys.service';
import { ApplicationsService } from './applications.service';
import { AuthorizationService } from './authorization.service';
import { type AuthorizeRequest, checkAuthorizeRequest, escapeHtml, page, RedirectedError, redirectWith } from './authorize-request';
import { type BrowserSession, BrowserSessionService } from './browser-session.service';
import { ConsentsService } from './consents.service';
import { OIDC_OPTIONS, type OidcModuleOptions } from './oidc.options';

/** How long the consent page's form may be sent. */
const CONSENT_TICKET_SECONDS = 600;
/**
 * Our own parameter on the return link: a sign-in asked for by prompt=login or max_age must be another
 * session than the one the request found. A time would not do: auth_time counts whole seconds, and a
 * sign-in within the request's own second could not be told from the old one. Signed by us (a short
 * JWT naming a digest of that session's client id), so a link cannot make up a session to replace.
 */
const REPLACES = 'replaces';
/** How long the sign-in a return link asks for may take. */
const REPLACES_SECONDS = 600;

const SCOPE_WORDS: Record<string, string> = {
  openid: 'Know who you are (your account id)',
  profile: 'See your username',
  email: 'See your email address',
};

/**
 * GET /authorize (OIDC Core §3.1.2, RFC 9207) and the consent page. Errors go back to the app only
 * at a redirect URI registered for it, with `state` and `iss`; anything else is a page of ours.
 * The sign-in is the account page's: without a session the browser goes there and comes back.
 */
@ApiTags('openid')
@Public()
@Controller('authorize')
export class AuthorizeController {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly authorization: AuthorizationService,
    private readonly consents: ConsentsService,
    private readonly sessions: BrowserSessionService,
    private readonly cookies: SessionCookies,
    private readonly keys: KeysService,
    private readonly clock: Clock,
    @Inject(OIDC_OPTIONS) private readonly config: OidcModuleOptions,
  ) {}

  @ApiOperation({ summary: 'OpenID Connect authorization endpoint: response_type=code, PKCE S256 required; redirects with code, state and iss' })
  @Get()
  @Header('Cache-Control', 'no-store')
  async authorize(@Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.answer(query, request, reply);
  }

  @ApiExcludeEndpoint()
  @Post('consent')
  @WithRouteOptions({ formBody: true })
  @HttpCode(303)
  @Header('Cache-Control', 'no-store')
  async consent(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const origin = request.headers.origin;
    if (origin !== undefined && !this.cookies.isAllowedOrigin(request, origin))
      return this.errorPage(reply, 403, 'This form was sent from another site.');
    const ticket = typeof body.ticket === 'string' ? await this.readTicket(body.ticket) : null;
    const session = await this.sessions.of(request);
    // The ticket was made for this signed-in session (a synchronizer token): another site cannot read it.
    if (!ticket || !session || ticket.sub !== session.userId || ticket.sid !== session.clientId) {
      return this.errorPage(reply, 403, 'This consent form has expired or belongs to another sign-in. Start again from the application.');
    }
    const query = ticket.query;
    const application = await this.applications.find(query.client_id);
    if (!application || typeof query.redirect_uri !== 'string' || !application.redirectUris.includes(query.redirect_uri)) {
      return this.errorPage(reply, 400, 'This application is no longer registered.');
    }
    if (body.decision !== 'allow') {
      return void reply.redirect(this.errorRedirect(query.redirect_uri, 'access_denied', 'The user did not allow it', query.state), 303);
    }
    try {
      const checked = checkAuthorizeRequest(application, query.redirect_uri, query);
      await this.consents.grant(session.userId, application.clientId, this.authorization.grantedScope(application, checked.scope, session.roles));
    } catch {
      return this.errorPage(reply, 400, 'This request can no longer be approved. Start again from the application.');
    }
    // Asked and answered: the request goes on as if the consent had been there already.
    const prompt = String(query.prompt ?? '')
      .split(' ')
      .filter((value) => value !== 'consent')
      .join(' ');
    await this.answer({ ...query, prompt }, request, reply, 303);
  }

  private async answer(query: Record<string, unknown>, request: FastifyRequest, reply: FastifyReply, status = 302): Promise<void> {
    const application = await this.applications.find(query.client_id);
    if (!application) return this.errorPage(reply, 400, 'Unknown application (client_id).');
    const redirectUri = query.redirect_uri;
    // Never to an address the app did not register (RFC 9700 §4.1): an open redirector otherwise.
    if (typeof redirectUri !== 'string' || !application.redirectUris.includes(redirectUri)) {
      return this.errorPage(reply, 400, 'The redirect_uri is not one this application registered.');
    }
    const state = typeof query.state === 'string' ? query.state : undefined;
    try {
      const checked = checkAuthorizeRequest(application, redirectUri, query);
      const session = await this.sessions.of(request);
      if (!session || (await this.needsSignIn(checked, session, query))) {
        if (checked.prompt.has('none')) throw new RedirectedError('login_required', 'The user is not signed in, or not recently enough');
        return void reply.redirect(await this.signInUrl(query, checked, session), 303);
      }
      const scope = this.authorization.grantedScope(application, checked.scope, session.roles);
      if (!application.firstParty) {
        const consented = !checked.prompt.has('consent') && (await this.consents.covers(session.userId, application.clientId, scope));
        if (!consented) {
          if (checked.prompt.has('none')) throw new RedirectedError('consent_required', 'The user has not allowed this application yet');
          return this.consentPage(reply, query, checked, scope, session);
        }
      }
      const code = await this.authorization.issueCode({
        application,
        userId: session.userId,
        redirectUri,
        codeChallenge: checked.codeChallenge,
        nonce: checked.nonce,
        scope,
        authTime: session.authTime,
        amr: session.amr,
      });
      reply.redirect(redirectWith(redirectUri, { code, state, iss: this.config.issuer }), status);
    } catch (error) {
      if (error instanceof RedirectedError)
        return void reply.redirect(this.errorRedirect(redirectUri, error.error, error.description, state), status);
      const oauthError = error instanceof HttpException ? (error.getResponse() as { oauthError?: unknown; message?: unknown }) : null;
      if (typeof oauthError?.oauthError === 'string') {
        return void reply.redirect(this.errorRedirect(redirectUri, oauthError.oauthError, String(oauthError.message), state), status);
      }
      throw error;
    }
  }

  /** prompt=login, or a sign-in older than max_age: the user signs in again (once: see REPLACES). */
  private async needsSignIn(checked: AuthorizeRequest, session: BrowserSession, query: Record<string, unknown>): Promise<boolean> {
    const replaced = await this.replacedSession(query[REPLACES]);
    // Another session than the one the request found, and signed in since: a mark taken from someone
    // else's request says nothing of a session older than it.
    if (replaced !== null && replaced.sid !== sessionDigest(session) && session.authTime >= replaced.iat * 1000) return false;
    const tooOld = checked.maxAge !== undefined && this.clock.now() - session.authTime > checked.maxAge * 1000;
    return checked.prompt.has('login') || tooOld;
  }

  /** The account page's sign-in, with the way back here; a fresh sign-in is asked for when a session exists. */
  private async signInUrl(query: Record<string, unknown>, checked: AuthorizeRequest, session: BrowserSession | null): Promise<string> {
    const back = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (typeof value === 'string' && name !== REPLACES) back.append(name, value);
    if (session) {
      const now = Math.floor(this.clock.now() / 1000);
      const claims = { iss: this.config.issuer, aud: REPLACES, sid: sessionDigest(session), iat: now, exp: now + REPLACES_SECONDS };
      back.set(REPLACES, await signJwt(claims, this.keys.signingKey(), { typ: 'replaces+jwt' }));
    }
    const signIn = new URLSearchParams({ return_to: `/authorize?${back.toString()}` });
    if (session) signIn.set('login', 'required');
    if (checked.loginHint) signIn.set('login_hint', checked.loginHint);
    return `/account?${signIn.toString()}`;
  }

  private errorRedirect(redirectUri: string, error: string, description: string, state: unknown): string {
    return redirectWith(redirectUri, {
      error,
      error_description: description.slice(0, 200),
      state: typeof state === 'string' ? state : undefined,
      iss: this.config.issuer,
    });
  }

  private async consentPage(reply: FastifyReply, query: Record<string, unknown>, checked: AuthorizeRequest, scope: string, session: BrowserSession) {
    const now = Math.floor(this.clock.now() / 1000);
    const strings = Object.fromEntries(Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    const ticket = await signJwt(
      {
        iss: this.config.issuer,
        aud: 'consent',
        sub: session.userId,
        sid: session.clientId,
        iat: now,
        exp: now + CONSENT_TICKET_SECONDS,
        query: strings,
      },
      this.keys.signingKey(),
      { typ: 'consent+jwt' },
    );
    const app = checked.application;
    const items = scope
      .split(' ')
      .filter(Boolean)
      .map((token) => `<li>${escapeHtml(SCOPE_WORDS[token] ?? `Act with your role "${token}"`)}</li>`)
      .join('');
    const body = `<p><strong>${escapeHtml(app.name)}</strong> asks to sign you in and to:</p><ul>${items}</ul>
<p>It will be sent back to ${escapeHtml(new URL(checked.redirectUri).origin)}.</p>
<form method="post" action="/authorize/consent"><input type="hidden" name="ticket" value="${escapeHtml(ticket)}">
<button type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny">Deny</button></form>`;
    // The form's answer redirects to the app: its origin is allowed as a form target (CSP form-action follows redirects).
    reply.header('Content-Security-Policy', `default-src 'self'; form-action 'self' ${new URL(checked.redirectUri).origin}; frame-ancestors 'none'`);
    // The form's POST carries our Origin (under no-referrer it would be "null", which the check refuses); nothing leaks across origins.
    reply.header('Referrer-Policy', 'same-origin');
    reply
      .status(200)
      .type('text/html; charset=utf-8')
      .send(page(`Allow ${app.name}?`, body));
  }

  /** The session a return link's sign-in replaces (its digest) and when it was asked for; null without a valid mark of ours. */
  private async replacedSession(mark: unknown): Promise<{ sid: string; iat: number } | null> {
    if (typeof mark !== 'string' || mark.length > 2048) return null;
    const claims = await this.readOwn(mark, 'replaces+jwt', REPLACES, REPLACES_SECONDS, ['sid']);
    return typeof claims?.sid === 'string' && typeof claims.iat === 'number' ? { sid: claims.sid, iat: claims.iat } : null;
  }

  private async readTicket(ticket: string): Promise<{ sub: string; sid: string; query: Record<string, string> } | null> {
    const claims = await this.readOwn(ticket, 'consent+jwt', 'consent', CONSENT_TICKET_SECONDS, ['sub', 'sid', 'query']);
    return claims as unknown as { sub: string; sid: string; query: Record<string, string> } | null;
  }

  /** The claims of a short-lived JWT of this controller's own (a consent ticket, a replaces mark); null if it is not one. */
  private async readOwn(token: string, typ: string, audience: string, maxLifetime: number, requiredClaims: string[]) {
    try {
      return await verifyJwt(token, {
        typ,
        key: (kid) => this.keys.verificationKey(kid),
        issuer: this.config.issuer,
        audience,
        maxLifetime,
        now: this.clock.now(),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims,
      });
    } catch (error) {
      if (error instanceof JwtRejected) return null;
      throw error;
    }
  }

  private errorPage(reply: FastifyReply, status: number, message: string): void {
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(page('Cannot continue', `<p role="alert">${escapeHtml(message)}</p><p><a href="/account">Your account</a></p>`));
  }
}

/** Names the session on the return link without showing its client id. */
function sessionDigest(session: BrowserSession): string {
  return createHash('sha256').update(session.clientId).digest('base64url').slice(0, 22);
}
