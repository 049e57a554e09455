import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { LoginThrottleService } from './login-throttle.service';

@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(
    private readonly users: UsersService,
    private readonly throttle: LoginThrottleService,
  ) {
    super({ passReqToCallback: true });
  }

  async validate(request: FastifyRequest, username: string, password: string): Promise<User> {
    this.throttle.assertAllowed(username, request.ip);
    const user = await this.users.verifyCredentials(username, password);
    if (!user) {
      this.throttle.recordFailure(username, request.ip);
      // One message for an unknown user and a wrong password; both cost one argon2id verify.
      throw new UnauthorizedException('Invalid username or password');
    }
    return user;
  }
}
