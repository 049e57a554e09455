import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { Body, Controller, ForbiddenException, Get, Inject, Post, UseGuards } from '@nestjs/common';
import { USERS_OPTIONS, type UsersModuleOptions } from './users.options';
import { Caller, CurrentUser } from '../common/current-user.decorator';
import { Public } from '../common/public.decorator';
import { SignUpRateLimitGuard } from '../rate-limit';
import { CreateUserDto } from './dto/create-user.dto';
import { MeResponseDto } from './dto/me.response.dto';
import { UserResponseDto } from './dto/user.response.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    @Inject(USERS_OPTIONS) private readonly config: UsersModuleOptions,
  ) {}

  @Public()
  @ApiErrors(400, 403, 409, 429)
  @UseGuards(SignUpRateLimitGuard)
  @Post('users')
  async signUp(@Body() body: CreateUserDto): Promise<UserResponseDto> {
    if (!this.config.signup) throw new ForbiddenException('Sign-up is disabled');
    // An email given here is mailed a link to verify it by RecoveryModule, which hears user.created.
    const user = await this.users.create(body.username, body.password, { email: body.email ?? null });
    return UserResponseDto.of(user);
  }

  @ApiBearerAuth()
  @ApiErrors(401)
  @Get('me')
  async me(@CurrentUser() caller: Caller): Promise<MeResponseDto> {
    return MeResponseDto.ofCaller(await this.users.profile(caller.userId), caller.clientId);
  }
}
