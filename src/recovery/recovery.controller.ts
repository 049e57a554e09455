import { Body, Controller, Get, HttpCode, Ip, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { Caller, CurrentUser } from '../common/current-user.decorator';
import { Public } from '../common/public.decorator';
import { RecentAuth } from '../auth';
import { EmailDto } from '../users/dto/email.dto';
import { UsersService } from '../users/users.service';
import { EmailResponseDto } from './dto/email.response.dto';
import { ForgotPasswordResponseDto } from './dto/forgot-password.response.dto';
import { ResetPasswordDto } from './dto/reset-password.dto';
import { VerifyEmailDto } from './dto/verify-email.dto';
import { RecoveryService } from './recovery.service';

const FORGOT_ANSWER: ForgotPasswordResponseDto = {
  message: 'If this address belongs to an account and is verified, a reset link is on its way.',
};

@ApiTags('recovery')
@Controller()
export class RecoveryController {
  constructor(
    private readonly recovery: RecoveryService,
    private readonly users: UsersService,
  ) {}

  /** Always 202 with one body: nothing tells whether the address has an account. */
  @Public()
  @ApiErrors(400, 429)
  @Post('password/forgot')
  @HttpCode(202)
  async forgot(@Body() body: EmailDto, @Ip() ip: string): Promise<ForgotPasswordResponseDto> {
    await this.recovery.forgot(body.email, ip);
    return FORGOT_ANSWER;
  }

  @Public()
  @ApiErrors(400, 429)
  @Post('password/reset')
  @HttpCode(204)
  reset(@Body() body: ResetPasswordDto, @Ip() ip: string): Promise<void> {
    return this.recovery.reset(body.token, body.newPassword, ip);
  }

  /** The caller's email and whether it is verified (GET /me stays a cached, query-free read). */
  @ApiBearerAuth()
  @ApiErrors(401)
  @Get('me/email')
  async email(@CurrentUser() caller: Caller): Promise<EmailResponseDto> {
    const { email, emailVerifiedAt, pendingEmail } = await this.users.findById(caller.userId);
    return { email, verified: emailVerifiedAt !== null, ...(pendingEmail !== null && { pendingEmail }) };
  }

  /**
   * Asks for a new address, pending until the link mailed to it is followed; a verified old address
   * stays the recovery address meanwhile and is told. Needs recent authentication: with a stolen
   * access token alone, this would lead to a password reset.
   */
  @ApiBearerAuth()
  @ApiErrors(400, 401, 429)
  @RecentAuth()
  @Put('me/email')
  @HttpCode(204)
  changeEmail(@CurrentUser() caller: Caller, @Body() body: EmailDto): Promise<void> {
    return this.recovery.changeEmail(caller, body.email);
  }

  @ApiBearerAuth()
  @ApiErrors(400, 401, 409)
  @Post('me/email/verify')
  @HttpCode(204)
  verifyEmail(@CurrentUser() caller: Caller, @Body() body: VerifyEmailDto): Promise<void> {
    return this.recovery.verifyEmail(caller, body.token);
  }
}
