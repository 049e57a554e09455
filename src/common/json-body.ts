import { BadRequestException } from '@nestjs/common';
import type { FastifyBodyParser, FastifyInstance } from 'fastify';

/** Far deeper than any body of ours; class-transformer and class-validator recurse, and overflow the stack near 1,000. */
export const MAX_JSON_DEPTH = 32;

/** Whether arrays and objects nest deeper than `max`; iterative, so the check itself cannot overflow. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[object, number]> = typeof value === 'object' && value !== null ? [[value, 1]] : [];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [container, depth] = next;
    if (depth > max) return true;
    for (const child of Object.values(container)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}

/** Fastify's JSON parser (prototype poisoning refused), then the depth cap: 400 instead of a 500. */
export function jsonBodyParser(fastify: FastifyInstance): FastifyBodyParser<Buffer> {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) =>
    parse(request, body.toString('utf8'), (error, value) => {
      if (error) return done(error, undefined);
      if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
        return done(new BadRequestException(`JSON bodies may nest at most ${MAX_JSON_DEPTH} levels deep`), undefined);
      }
      done(null, value);
    });
}
