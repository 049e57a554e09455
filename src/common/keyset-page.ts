import { BadRequestException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** The columns a list is ordered by, newest first: a time (ms) and the id that breaks its ties. */
export interface KeysetColumns {
  at: string;
  id: string;
}

export interface KeysetPage<T> {
  items: T[];
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null;
}

const POSITION = /^(\d{1,15})\.(.+)$/;
const UUID = /^[0-9a-f-]{36}$/;

/**
 * Keyset pagination, newest first. The cursor names the last row shown (base64url of `<ms>.<id>`):
 * opaque to callers and checked strictly when it comes back, and pages stay stable while rows
 * come and go, which an offset would not. `isId` says what an id of this list looks like.
 */
export function afterCursor<Q extends SelectQueryBuilder<ObjectLiteral>>(
  query: Q,
  columns: KeysetColumns,
  page: { limit: number; cursor?: string },
  isId: (id: string) => boolean = (id) => UUID.test(id),
): Q {
  query.orderBy(columns.at, 'DESC').addOrderBy(columns.id, 'DESC');
  if (page.cursor !== undefined) {
    const match = POSITION.exec(Buffer.from(page.cursor, 'base64url').toString());
    if (!match || !isId(match[2])) throw new BadRequestException('cursor is not one this server gave out');
    query.andWhere(`(${columns.at} < :keysetAt OR (${columns.at} = :keysetAt AND ${columns.id} < :keysetId))`, {
      keysetAt: Number(match[1]),
      keysetId: match[2],
    });
  }
  // One more than shown: whether it comes back says whether a next page exists.
  return query.limit(page.limit + 1);
}

/** The rows `afterCursor`'s query gave, cut to the page, with the cursor of the next one. */
export function keysetPage<T>(rows: T[], limit: number, keyOf: (row: T) => { at: Date; id: string }): KeysetPage<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  if (rows.length <= limit || !last) return { items, nextCursor: null };
  const { at, id } = keyOf(last);
  return { items, nextCursor: Buffer.from(`${at.getTime()}.${id}`).toString('base64url') };
}

/** RFC 8288: `Link: <path?params&cursor=…>; rel="next"`, only when more follow. */
export function linkNext(reply: FastifyReply, path: string, nextCursor: string | null, params: Record<string, string>): void {
  if (nextCursor) reply.header('link', `<${path}?${new URLSearchParams({ ...params, cursor: nextCursor }).toString()}>; rel="next"`);
}
