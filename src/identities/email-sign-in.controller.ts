import { BadRequestException, Body, Controller, HttpCode, Ip, Post, Query, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CookieTransport, Origin, Public, RequestOrigin } from '../auth';
import { ApiErrors } from '../common/api-errors.decorator';
import { EmailDto } from '../users/dto/email.dto';
import { EmailSignInDto } from './dto/email-sign-in.dto';
import { EmailSignInRequestedResponseDto } from './dto/email-sign-in-requested.response.dto';
import { SignInQueryDto } from './dto/sign-in-query.dto';
import { EmailSignInsService } from './email-sign-ins.service';
import { SignInFinisher } from './sign-in-finisher';

const REQUESTED: EmailSignInRequestedResponseDto = {
  message: 'If this address belongs to an account and is verified, a sign-in link and code are on their way.',
};

@ApiTags('auth')
@Controller('auth/email')
export class EmailSignInController {
  constructor(
    private readonly signIns: EmailSignInsService,
    private readonly finisher: SignInFinisher,
  ) {}

  /** Always 202 with one body, for every address: nothing tells whether it has an account. */
  @Public()
  @ApiErrors(400, 429)
  @Post()
  @HttpCode(202)
  async request(@Body() body: EmailDto, @Ip() ip: string): Promise<EmailSignInRequestedResponseDto> {
    await this.signIns.request(body.email, ip);
    return REQUESTED;
  }

  /** Answers as POST /auth (cookie mode too); a wrong, used or expired code or link is 401. */
  @Public()
  @ApiQuery({ name: 'permanent', required: false, enum: ['true', 'false'] })
  @ApiErrors(400, 401, 429)
  @CookieTransport()
  @Post('verify')
  @HttpCode(200)
  async verify(
    @Body() body: EmailSignInDto,
    @Query() query: SignInQueryDto,
    @Req() request: FastifyRequest,
    @RequestOrigin() origin: Origin,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const byCode = body.email !== undefined && body.code !== undefined && body.token === undefined;
    const byToken = body.token !== undefined && body.email === undefined && body.code === undefined;
    if (!byCode && !byToken) throw new BadRequestException('Send {email, code} or {token}');
    const user = byCode
      ? await this.signIns.redeemCode(body.email!, body.code!, { ip: request.ip, cookies: request.cookies })
      : await this.signIns.redeemToken(body.token!, request.ip);
    if (!user) throw new UnauthorizedException({ message: 'Invalid or expired sign-in code', reason: 'invalid_code' });
    return this.finisher.finish(user, query.permanent === 'true', origin, reply);
  }
}
