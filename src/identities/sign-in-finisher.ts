import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthService, type LoginResponseDto, type Origin } from '../auth';
import { DeviceCookiesService } from '../rate-limit';
import type { User } from '../users/user.entity';

/**
 * The end of every sign-in this module offers (a mailed code or link, an upstream provider): the
 * same AuthService.login as POST /auth, so whatever POST /auth asks after a password (a disabled
 * account's 403, a second factor) is asked here too; and the same trusted-device cookie.
 */
@Injectable()
export class SignInFinisher {
  constructor(
    private readonly auth: AuthService,
    private readonly deviceCookies: DeviceCookiesService,
  ) {}

  async finish(user: User, permanent: boolean, origin: Origin, reply: FastifyReply, provider?: string): Promise<LoginResponseDto> {
    const response = await this.auth.login(user, permanent, origin, { identityProvider: provider });
    const device = await this.deviceCookies.issue(user);
    reply.setCookie(device.name, device.value, device.options);
    return response;
  }
}
