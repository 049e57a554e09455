import { ApiBearerAuth, ApiBody, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { LoginDto } from './dto/login.dto';
import { BadRequestException, Body, Controller, HttpCode, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Origin } from '../clients/client-rules';
import { Caller, CurrentUser } from '../common/current-user.decorator';
import { Public } from '../common/public.decorator';
import { DeviceCookiesService, RefreshRateLimitGuard } from '../rate-limit';
import type { User } from '../users/user.entity';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './dto/change-password.dto';
import { ReauthenticateDto } from './dto/reauthenticate.dto';
import { LoginQueryDto } from './dto/login-query.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { LoginResponseDto, ReauthenticateResponseDto, RefreshResponseDto } from './dto/tokens.response.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';
import { LoggedInUser } from './logged-in-user.decorator';
import { CookieTransport } from './cookie-transport.decorator';
import { RequestOrigin } from './origin.decorator';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly deviceCookies: DeviceCookiesService,
  ) {}

  /**
   * Log in; `?permanent=true` adds a refresh token. LocalAuthGuard has checked the body and the
   * query (LoginQueryDto) before passport-local ran, so they are not validated a second time here.
   * The device cookie marks this browser as one the user signed in from (see LoginLimitsService).
   */
  @Public()
  @ApiBody({ type: LoginDto })
  @ApiQuery({ name: 'permanent', required: false, enum: ['true', 'false'] })
  @ApiErrors(400, 401, 429)
  @UseGuards(LocalAuthGuard)
  @CookieTransport()
  @Post('auth')
  @HttpCode(200)
  async login(
    @LoggedInUser() user: User,
    @Query('permanent') permanent: LoginQueryDto['permanent'],
    @RequestOrigin() origin: Origin,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const response = await this.auth.login(user, permanent === 'true', origin);
    const device = await this.deviceCookies.issue(user);
    reply.setCookie(device.name, device.value, device.options);
    return response;
  }

  @ApiBearerAuth()
  @ApiErrors(401)
  @CookieTransport()
  @Post('auth/logout')
  @HttpCode(204)
  logout(@CurrentUser() caller: Caller, @RequestOrigin() origin: Origin): Promise<void> {
    return this.auth.logout(caller, origin);
  }

  /**
   * Prove who you are again (password, or a second factor) for @RecentAuth routes: a fresh access token
   * for this client with a new auth_time. A wrong proof is 401 `invalid_credentials` and counts like one of POST /me/password.
   */
  @ApiBearerAuth()
  @ApiErrors(400, 401, 429)
  @CookieTransport({ setsAccessOnly: true })
  @Post('auth/reauthenticate')
  @HttpCode(200)
  reauthenticate(@CurrentUser() caller: Caller, @Body() body: ReauthenticateDto): Promise<ReauthenticateResponseDto> {
    const { method = 'password', password, code, credential } = body;
    // A field of another method is a 400: one proof per request, never a password beside a code.
    const extra = method === 'password' ? (code ?? credential) : (password ?? (method === 'passkey' ? code : credential));
    if (extra !== undefined)
      throw new BadRequestException(
        `method ${method} takes ${method === 'password' ? 'password' : method === 'passkey' ? 'credential' : 'code'} only`,
      );
    return this.auth.reauthenticate(caller, method === 'password' ? { password: password! } : { method, code, credential });
  }

  /** Change the password; every other client of the user ends, the current one stays. */
  @ApiBearerAuth()
  @ApiErrors(400, 401, 403, 429)
  @Post('me/password')
  @HttpCode(204)
  changePassword(@CurrentUser() caller: Caller, @Body() body: ChangePasswordDto, @RequestOrigin() origin: Origin): Promise<void> {
    return this.auth.changePassword(caller, body.currentPassword, body.newPassword, origin);
  }

  /** Trade a refresh token for a new access token and the next refresh token. */
  @Public()
  @ApiErrors(400, 401, 429)
  @Post('token')
  @UseGuards(RefreshRateLimitGuard)
  @CookieTransport({ readsRefreshCookie: true })
  refresh(@Body() body: RefreshTokenDto, @RequestOrigin() origin: Origin): Promise<RefreshResponseDto> {
    return this.auth.refresh(body.refreshToken, origin);
  }

  /** End the refresh token's client; 204 whether or not the token existed, so nothing leaks. */
  @Public()
  @ApiErrors(400)
  @CookieTransport({ readsRefreshCookie: true })
  @Post('token/reject')
  @HttpCode(204)
  reject(@Body() body: RefreshTokenDto, @RequestOrigin() origin: Origin): Promise<void> {
    return this.auth.reject(body.refreshToken, origin);
  }
}
