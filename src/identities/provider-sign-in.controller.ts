import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CookieTransport, type LoginResponseDto, MfaRequiredException, Origin, Public, RequestOrigin, SessionCookies, UsersService } from '../auth';
import { ApiErrors } from '../common/api-errors.decorator';
import { ExchangeDto } from './dto/exchange.dto';
import { ProviderSignInQueryDto } from './dto/provider-sign-in-query.dto';
import { IdentityLoginsService } from './identity-logins.service';
import { IDENTITIES_OPTIONS, type IdentitiesModuleOptions } from './identities.options';
import { LoginCookie } from './login-cookie';
import { SignInFinisher } from './sign-in-finisher';
import { UserIdentitiesService } from './user-identities.service';

/**
 * Signing in through an upstream provider (API.md §12): the start redirects to the provider, the
 * callback checks everything and ends in a cookie-mode session (or a one-time code for a
 * header-mode app) and a redirect to the checked returnTo; a link started from /me/identities ends
 * in the same callback.
 */
@ApiTags('auth')
@Controller()
export class ProviderSignInController {
  private readonly loginCookie: LoginCookie;

  constructor(
    private readonly logins: IdentityLoginsService,
    private readonly identities: UserIdentitiesService,
    private readonly users: UsersService,
    private readonly finisher: SignInFinisher,
    private readonly sessionCookies: SessionCookies,
    @Inject(IDENTITIES_OPTIONS) config: IdentitiesModuleOptions,
  ) {
    this.loginCookie = new LoginCookie(config.cookieSecure);
  }

  @Public()
  @ApiErrors(400, 404, 502)
  @Get('auth/oidc/:name')
  async start(@Param('name') name: string, @Query() query: ProviderSignInQueryDto, @Res() reply: FastifyReply): Promise<void> {
    const returnTo = this.logins.returnTo(query.returnTo);
    const { url, browserSecret } = await this.logins.start(name, {
      permanent: query.permanent === 'true',
      returnTo,
      headerMode: query.transport === 'header',
      linkUserId: null,
    });
    this.loginCookie.set(reply, browserSecret);
    void reply.redirect(url.href, 303);
  }

  @Public()
  @ApiErrors(400, 403, 404, 409, 502)
  @Get('auth/oidc/:name/callback')
  async callback(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @RequestOrigin() origin: Origin,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { login, profile } = await this.logins.complete(name, query, this.loginCookie.read(request));
    this.loginCookie.clear(reply);
    if (login.linkUserId) {
      await this.identities.link(login.linkUserId, name, profile, { kind: 'user', userId: login.linkUserId });
      return void reply.redirect(login.returnTo, 303);
    }
    const user = await this.identities.signIn(name, profile);
    if (login.headerMode) {
      const code = await this.logins.exchangeCode(login, user.id);
      return void reply.redirect(`${login.returnTo}#code=${code}`, 303);
    }
    let response: LoginResponseDto;
    try {
      response = await this.finisher.finish(user, login.permanent, origin, reply, name);
    } catch (error) {
      if (!(error instanceof MfaRequiredException && error.challenge)) throw error;
      // The user's second factor still applies (API.md §11): the page at returnTo asks for it and
      // finishes at POST /auth/mfa. The mfaToken rides in the fragment, which no server sees.
      const { mfaToken, methods, expiresIn } = error.challenge;
      const step = Buffer.from(JSON.stringify({ mfaToken, methods, expiresIn, permanent: login.permanent })).toString('base64url');
      return void reply.redirect(`${login.returnTo}#mfa=${step}`, 303);
    }
    this.sessionCookies.set(reply, response.token);
    // What a cookie-mode POST /auth answers (the user and the deadlines, no token), for the app's sdk
    // to record the session it cannot read from the cookies (sdk completeRedirect).
    const { accessToken: _access, refreshToken: _refresh, ...deadlines } = response.token;
    const signedIn = Buffer.from(JSON.stringify({ user: response.user, token: deadlines })).toString('base64url');
    void reply.redirect(`${login.returnTo}#signed-in=${signedIn}`, 303);
  }

  /** A header-mode app trades its `#code=` for the POST /auth body: once, within 60 s. */
  @Public()
  @ApiErrors(400)
  @CookieTransport()
  @Post('auth/exchange')
  @HttpCode(200)
  async exchange(@Body() body: ExchangeDto, @RequestOrigin() origin: Origin, @Res({ passthrough: true }) reply: FastifyReply) {
    const login = await this.logins.exchange(body.code);
    const user = await this.users.findById(login.userId!);
    return this.finisher.finish(user, login.permanent, origin, reply, login.provider);
  }
}
