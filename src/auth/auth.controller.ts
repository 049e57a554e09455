import { Body, Controller, Header, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import type { Origin } from '../clients/clients.service';
import { Caller, CurrentUser } from '../common/current-user.decorator';
import { Public } from '../common/public.decorator';
import type { User } from '../users/user.entity';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginQueryDto } from './dto/login-query.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { LoginResponseDto, RefreshResponseDto } from './dto/tokens.response.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';
import { LoggedInUser } from './logged-in-user.decorator';
import { RequestOrigin } from './origin.decorator';

@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Log in; `?permanent=true` adds a refresh token. The body is checked by LocalAuthGuard. */
  @Public()
  @UseGuards(LocalAuthGuard)
  @Post('auth')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  login(@LoggedInUser() user: User, @Query() query: LoginQueryDto, @RequestOrigin() origin: Origin): Promise<LoginResponseDto> {
    return this.auth.login(user, query.permanent === 'true', origin);
  }

  @Post('auth/logout')
  @HttpCode(204)
  logout(@CurrentUser() caller: Caller, @RequestOrigin() origin: Origin): Promise<void> {
    return this.auth.logout(caller, origin);
  }

  /** Change the password; every other client of the user ends, the current one stays. */
  @Post('me/password')
  @HttpCode(204)
  changePassword(@CurrentUser() caller: Caller, @Body() body: ChangePasswordDto, @RequestOrigin() origin: Origin): Promise<void> {
    return this.auth.changePassword(caller, body.currentPassword, body.newPassword, origin);
  }

  /** Trade a refresh token for a new access token and the next refresh token. */
  @Public()
  @Post('token')
  @Header('Cache-Control', 'no-store')
  refresh(@Body() body: RefreshTokenDto, @RequestOrigin() origin: Origin): Promise<RefreshResponseDto> {
    return this.auth.refresh(body.refreshToken, origin);
  }

  /** End the refresh token's client; 204 whether or not the token existed, so nothing leaks. */
  @Public()
  @Post('token/reject')
  @HttpCode(204)
  reject(@Body() body: RefreshTokenDto, @RequestOrigin() origin: Origin): Promise<void> {
    return this.auth.reject(body.refreshToken, origin);
  }
}
