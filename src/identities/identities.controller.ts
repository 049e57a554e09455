import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Caller, CurrentUser, RecentAuth, SessionEventsService, UsersService } from '../auth';
import { ApiErrors } from '../common/api-errors.decorator';
import { IdentityResponseDto } from './dto/identity.response.dto';
import { ReturnToQueryDto } from './dto/return-to-query.dto';
import { SetPasswordDto } from './dto/set-password.dto';
import { IdentityLoginsService } from './identity-logins.service';
import { IDENTITIES_OPTIONS, type IdentitiesModuleOptions } from './identities.options';
import { LoginCookie } from './login-cookie';
import { UserIdentitiesService } from './user-identities.service';

/** The caller's upstream identities (API.md §12): list, link (recent authentication), unlink; and a first password. */
@ApiTags('identities')
@ApiBearerAuth()
@Controller('me')
export class IdentitiesController {
  private readonly loginCookie: LoginCookie;

  constructor(
    private readonly identities: UserIdentitiesService,
    private readonly logins: IdentityLoginsService,
    private readonly users: UsersService,
    private readonly events: SessionEventsService,
    @Inject(IDENTITIES_OPTIONS) config: IdentitiesModuleOptions,
  ) {
    this.loginCookie = new LoginCookie(config.cookieSecure);
  }

  @ApiErrors(401)
  @Get('identities')
  async list(@CurrentUser() caller: Caller): Promise<IdentityResponseDto[]> {
    return (await this.identities.list(caller.userId)).map((identity) => IdentityResponseDto.of(identity));
  }

  /**
   * Starts linking: `{url}` is the provider's page to send the browser to; its callback joins the
   * identity to this user. Needs recent authentication: a stolen access token must not add a way in.
   */
  @ApiErrors(400, 401, 404, 502)
  @RecentAuth()
  @Post('identities/:name')
  @HttpCode(200)
  async link(
    @CurrentUser() caller: Caller,
    @Param('name') name: string,
    @Query() query: ReturnToQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ url: string }> {
    const returnTo = this.logins.returnTo(query.returnTo);
    const { url, browserSecret } = await this.logins.start(name, { permanent: false, returnTo, headerMode: false, linkUserId: caller.userId });
    this.loginCookie.set(reply, browserSecret);
    return { url: url.href };
  }

  /** Never the last way left to sign in (409 `last_sign_in_method`). */
  @ApiErrors(400, 401, 404, 409)
  @RecentAuth()
  @Delete('identities/:id')
  @HttpCode(204)
  unlink(@CurrentUser() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.identities.unlink(caller.userId, id, { kind: 'user', userId: caller.userId, clientId: caller.clientId });
  }

  /** The first password of an account a provider made (409 `password_exists` otherwise: POST /me/password changes one). */
  @ApiErrors(400, 401, 409)
  @RecentAuth()
  @Put('password')
  @HttpCode(204)
  async setPassword(@CurrentUser() caller: Caller, @Body() body: SetPasswordDto): Promise<void> {
    await this.identities.requireNoPassword(caller.userId);
    await this.users.setPassword(caller.userId, body.newPassword);
    await this.events.emit('user.password_changed', caller.userId, {
      by: { kind: 'user', userId: caller.userId, clientId: caller.clientId },
      reason: 'set',
    });
  }
}
