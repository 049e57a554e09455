import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { RequestCookies } from './device-cookies.service';

/** The request's parsed cookies (@fastify/cookie), for the device cookie of a login. */
export const Cookies = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestCookies => context.switchToHttp().getRequest<FastifyRequest>().cookies,
);
