import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { validateInput } from '../../common/validate-input';
import { LoginQueryDto } from '../dto/login-query.dto';
import { LoginDto } from '../dto/login.dto';

/** Checks the body and query first (400), then lets passport-local check the password (401/429). */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override canActivate(context: ExecutionContext) {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    validateInput(LoginQueryDto, request.query, 'query');
    validateInput(LoginDto, request.body);
    return super.canActivate(context);
  }
}
