import type { ExceptionFilter } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/**
 * What a route tells the HTTP layer that runs before Nest knows its controller (the onRequest hook,
 * the body parsers, the global filter), carried as Fastify route config so it moves with the route.
 */
export interface RouteOptions {
  /** Also take application/x-www-form-urlencoded bodies (else 415). */
  formBody?: boolean;
  /** Answers the errors raised before the handler runs (content type, body parsing, size), which no @UseFilters sees. */
  errorFilter?: ExceptionFilter;
}

export const WithRouteOptions = (options: RouteOptions): MethodDecorator => RouteConfig(options);

export function routeOptions(request: FastifyRequest): RouteOptions {
  return (request.routeOptions?.config ?? {}) as RouteOptions;
}
