/*
 * The example of docs/resource-server.md: another NestJS service that guards its routes with our
 * access tokens, verified against our JWKS. It shares no code and no secret with refresh-auth.
 */
import { CanActivate, Controller, ExecutionContext, Get, Injectable, Module, Req, UnauthorizedException, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRemoteJWKSet, JWTPayload, jwtVerify, RemoteJWKSetOptions } from 'jose';

export interface AuthServer {
  issuer: string; // e.g. https://auth.example.com (AUTH_ISSUER of refresh-auth)
  audience: string; // AUTH_AUDIENCE of refresh-auth, default "refresh-auth"
  jwks?: RemoteJWKSetOptions; // jose's defaults fit refresh-auth's default AUTH_KEY_ACTIVATION_DELAY (10 min)
}

export function createAccessTokenGuard({ issuer, audience, jwks: jwksOptions }: AuthServer) {
  // Fetched once, cached, and fetched again (at most every 30 s) when a token names a kid the cached
  // set lacks: refresh-auth publishes a new key 10 minutes before it signs with it.
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), jwksOptions);

  @Injectable()
  class AccessTokenGuard implements CanActivate {
    async canActivate(context: ExecutionContext): Promise<boolean> {
      const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; user?: JWTPayload }>();
      const token = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (!token) throw new UnauthorizedException();
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer,
          audience,
          typ: 'at+jwt', // RFC 9068: only access tokens, never another JWT of ours
          algorithms: ['ES256', 'EdDSA', 'RS256'],
          clockTolerance: 5,
        });
        request.user = payload; // payload.sub: the user id; payload.sid: the session (client) id
        return true;
      } catch {
        throw new UnauthorizedException();
      }
    }
  }
  return AccessTokenGuard;
}

export async function createResourceServer(auth: AuthServer): Promise<NestFastifyApplication> {
  const AccessTokenGuard = createAccessTokenGuard(auth);

  @Controller('orders')
  @UseGuards(AccessTokenGuard)
  class OrdersController {
    @Get()
    list(@Req() request: { user: JWTPayload }) {
      return { owner: request.user.sub, orders: [] };
    }
  }

  @Module({ controllers: [OrdersController] })
  class ResourceServerModule {}

  return NestFactory.create<NestFastifyApplication>(ResourceServerModule, new FastifyAdapter(), { logger: false });
}
