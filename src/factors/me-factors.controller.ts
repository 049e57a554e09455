import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Caller, CurrentUser, RecentAuth } from '../auth';
import { ApiErrors } from '../common/api-errors.decorator';
import { AddPasskeyDto } from './dto/add-passkey.dto';
import { FactorsResponseDto, PasskeyResponseDto } from './dto/factors.response.dto';
import { RecoveryCodesResponseDto } from './dto/recovery-codes.response.dto';
import { RemovePasskeyQueryDto } from './dto/remove-passkey.query.dto';
import { RenamePasskeyDto } from './dto/rename-passkey.dto';
import { TotpCodeDto } from './dto/totp-code.dto';
import { TotpEnrolmentResponseDto } from './dto/totp-enrolment.response.dto';
import { EnrolmentService } from './enrolment.service';

/**
 * The caller's own second factors (API.md §11). Every change needs recent authentication: a stolen
 * access token alone must not add the thief's authenticator or remove the owner's.
 */
@ApiTags('factors')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('me')
export class MeFactorsController {
  constructor(private readonly enrolment: EnrolmentService) {}

  @Get('factors')
  factors(@CurrentUser() caller: Caller): Promise<FactorsResponseDto> {
    return this.enrolment.overview(caller.userId);
  }

  /** A new TOTP secret, pending until POST /me/totp/confirm; 409 while TOTP is on. */
  @RecentAuth()
  @ApiErrors(409)
  @Post('totp')
  @HttpCode(200)
  beginTotp(@CurrentUser() caller: Caller): Promise<TotpEnrolmentResponseDto> {
    return this.enrolment.beginTotp(caller);
  }

  /** The first code turns TOTP on; `recoveryCodes` only when the user had none. */
  @RecentAuth()
  @ApiErrors(400)
  @Post('totp/confirm')
  @HttpCode(200)
  confirmTotp(@CurrentUser() caller: Caller, @Body() body: TotpCodeDto): Promise<{ recoveryCodes?: string[] }> {
    return this.enrolment.confirmTotp(caller, body.code);
  }

  @RecentAuth()
  @Delete('totp')
  @HttpCode(204)
  removeTotp(@CurrentUser() caller: Caller): Promise<void> {
    return this.enrolment.removeTotp(caller);
  }

  /** WebAuthn creation options (resident key and user verification required). */
  @RecentAuth()
  @Post('passkeys/options')
  @HttpCode(200)
  passkeyOptions(@CurrentUser() caller: Caller) {
    return this.enrolment.passkeyOptions(caller);
  }

  /** Registers the passkey; `recoveryCodes` when it is the user's first factor and they had none. */
  @RecentAuth()
  @ApiErrors(400, 409)
  @Post('passkeys')
  addPasskey(@CurrentUser() caller: Caller, @Body() body: AddPasskeyDto) {
    return this.enrolment.addPasskey(caller, body.credential, body.name);
  }

  @RecentAuth()
  @ApiErrors(400, 404)
  @Patch('passkeys/:id')
  renamePasskey(@CurrentUser() caller: Caller, @Param('id') id: string, @Body() body: RenamePasskeyDto): Promise<PasskeyResponseDto> {
    return this.enrolment.renamePasskey(caller, id, body.name);
  }

  /** `?endSessions=true`: the live clients this passkey signed in end too (reason factor_removed). */
  @RecentAuth()
  @ApiErrors(400, 404)
  @Delete('passkeys/:id')
  @HttpCode(204)
  removePasskey(@CurrentUser() caller: Caller, @Param('id') id: string, @Query() query: RemovePasskeyQueryDto): Promise<void> {
    return this.enrolment.removePasskey(caller, id, query.endSessions === 'true');
  }

  /** Ten new recovery codes, shown this once; the old ones die. */
  @RecentAuth()
  @ApiErrors(400)
  @Post('recovery-codes')
  @HttpCode(200)
  recoveryCodes(@CurrentUser() caller: Caller): Promise<RecoveryCodesResponseDto> {
    return this.enrolment.regenerateRecoveryCodes(caller);
  }
}
