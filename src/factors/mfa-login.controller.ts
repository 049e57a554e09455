import { Body, Controller, HttpCode, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CookieTransport, type LoginResponseDto, type Origin, Public, RequestOrigin } from '../auth';
import { ApiErrors } from '../common/api-errors.decorator';
import { DeviceCookiesService, RefreshRateLimitGuard } from '../rate-limit';
import { MfaLoginDto } from './dto/mfa-login.dto';
import { MfaTokenDto } from './dto/mfa-token.dto';
import { PasskeyLoginDto } from './dto/passkey-login.dto';
import { PermanentQueryDto } from './dto/permanent.query.dto';
import { MfaLoginService } from './mfa-login.service';
import { PasskeysService } from './passkeys.service';

/**
 * Logins with a factor (API.md §11): the second step of a password login, and the passwordless login
 * with a passkey. Both answer as POST /auth does, cookie mode included, and mark the browser with a
 * device cookie as a password login does. Public routes that write a row (a challenge) are under the
 * token endpoints' per-address limit (AUTH_REFRESH_MAX_PER_MINUTE), so no address can fill the table.
 */
@ApiTags('auth')
@Public()
@UseGuards(RefreshRateLimitGuard)
@Controller('auth')
export class MfaLoginController {
  constructor(
    private readonly mfaLogin: MfaLoginService,
    private readonly passkeys: PasskeysService,
    private readonly deviceCookies: DeviceCookiesService,
  ) {}

  /** Finishes a login that answered mfa_required: `method` totp or recovery_code with `code`, or passkey with `credential`. */
  @ApiErrors(400, 401, 403, 429)
  @CookieTransport()
  @Post('mfa')
  @HttpCode(200)
  async mfa(
    @Body() body: MfaLoginDto,
    @RequestOrigin() origin: Origin,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const { response, user } = await this.mfaLogin.complete(body, origin, { ip: request.ip, cookies: request.cookies });
    const device = await this.deviceCookies.issue(user);
    reply.setCookie(device.name, device.value, device.options);
    return response;
  }

  /** WebAuthn request options naming that login's passkeys. */
  @ApiErrors(400, 401)
  @Post('mfa/options')
  @HttpCode(200)
  mfaOptions(@Body() body: MfaTokenDto) {
    return this.mfaLogin.passkeyOptions(body.mfaToken);
  }

  /** WebAuthn request options for a passwordless login (discoverable credentials; also for reauthenticating with a passkey). */
  @Post('passkey/options')
  @HttpCode(200)
  passkeyOptions() {
    return this.passkeys.authenticationOptions('login', null);
  }

  /** A passkey with user verification is a whole login; `?permanent=true` adds a refresh token. */
  @ApiQuery({ name: 'permanent', required: false, enum: ['true', 'false'] })
  @ApiErrors(400, 401, 403)
  @CookieTransport()
  @Post('passkey')
  @HttpCode(200)
  async passkey(
    @Body() body: PasskeyLoginDto,
    @Query() query: PermanentQueryDto,
    @RequestOrigin() origin: Origin,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const { response, user } = await this.mfaLogin.passkeyLogin(body.credential, query.permanent === 'true', origin);
    const device = await this.deviceCookies.issue(user);
    reply.setCookie(device.name, device.value, device.options);
    return response;
  }
}
