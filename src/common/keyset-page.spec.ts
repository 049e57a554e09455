import { BadRequestException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { afterCursor, keysetPage, linkNext } from './keyset-page';

/** The calls afterCursor makes on a query builder, recorded. */
function recordingQuery() {
  const calls: unknown[][] = [];
  const query = new Proxy(
    {},
    {
      get:
        (_target, name) =>
        (...args: unknown[]) => (calls.push([name, ...args]), query),
    },
  );
  return { query: query as SelectQueryBuilder<ObjectLiteral>, calls };
}

const ID = '0b8e7c1e-3f7a-4d5e-9c1b-2a3b4c5d6e7f';
const rows = [3, 2, 1].map((n) => ({ at: new Date(n * 1000), id: ID.replace('0', String(n)) }));

describe('keyset pagination', () => {
  it('gives the next page a cursor that starts after the last row shown', () => {
    const first = keysetPage(rows, 2, (row) => row);
    expect(first.items).toEqual(rows.slice(0, 2));
    const { query, calls } = recordingQuery();
    afterCursor(query, { at: 't.at', id: 't.id' }, { limit: 2, cursor: first.nextCursor! });
    expect(calls).toContainEqual(['andWhere', expect.stringContaining('t.at < :keysetAt'), { keysetAt: 2000, keysetId: rows[1].id }]);
    expect(calls).toContainEqual(['limit', 3]);
    expect(keysetPage(rows.slice(2), 2, (row) => row).nextCursor).toBeNull();
  });

  it('refuses a cursor it did not give out with a 400', () => {
    const forged = [
      Buffer.from(`1.${ID}' OR 1=1`).toString('base64url'),
      'bm90LWEtY3Vyc29y',
      Buffer.from(`9999999999999999.${ID}`).toString('base64url'),
    ];
    for (const cursor of forged)
      expect(() => afterCursor(recordingQuery().query, { at: 't.at', id: 't.id' }, { limit: 2, cursor })).toThrow(BadRequestException);
  });

  it('links the next page (RFC 8288) only when there is one', () => {
    const header = jest.fn();
    linkNext({ header } as unknown as FastifyReply, '/clients', 'abc', { limit: '2' });
    linkNext({ header } as unknown as FastifyReply, '/clients', null, { limit: '2' });
    expect(header.mock.calls).toEqual([['link', '</clients?limit=2&cursor=abc>; rel="next"']]);
  });
});
