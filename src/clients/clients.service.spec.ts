import { NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { clientsServices, migratedDataSource } from '../../test/support/database';
import { User } from '../users/user.entity';
import { Client } from './client.entity';
import { ClientStateCache } from './client-state.cache';
import { ClientsService } from './clients.service';
import type { ManualClock } from '../../test/support/clock';

/** Who ends clients in these service-level specs (the session events are test/events.e2e-spec.ts's). */
const SYSTEM = { kind: 'system' } as const;

/** Every spec user's last password change: what a login would have checked. */
const CHANGED_AT = new Date(1_700_000_000_000);
const origin = { ip: '203.0.113.7', userAgent: 'spec' };

describe('ClientsService', () => {
  let dataSource: DataSource;
  let clients: ClientsService;
  let clock: ManualClock;
  let cache: ClientStateCache;
  const open = async (userId: string, permanent: boolean) => (await clients.open({ id: userId, passwordChangedAt: CHANGED_AT }, permanent, origin))!;

  const newUser = async () => {
    const id = randomUUID();
    await dataSource.getRepository(User).insert({
      id,
      username: id.slice(0, 8),
      usernameKey: id.slice(0, 8),
      passwordHash: 'x',
      createdAt: new Date(),
      passwordChangedAt: CHANGED_AT,
    });
    return id;
  };

  beforeEach(async () => {
    dataSource = await migratedDataSource();
    ({ clients, clock, cache } = clientsServices(dataSource, { AUTH_ACCESS_TTL: '60s', AUTH_CLIENT_CACHE_TTL: '10m' }));
  });
  afterEach(() => dataSource.destroy());

  it('opens a permanent client with a refresh token and a non-permanent one without', async () => {
    const userId = await newUser();
    const permanent = await open(userId, true);
    const temporary = await open(userId, false);
    expect(permanent.refreshToken?.startsWith(`${permanent.client.id}.`)).toBe(true);
    expect(temporary.refreshToken).toBeNull();
    expect(temporary.client.expiresAt.getTime() - temporary.client.createdAt.getTime()).toBe(60_000);
    expect(permanent.client).toMatchObject({ ip: origin.ip, userAgent: origin.userAgent, endedAt: null });
  });

  it('opens nothing once the password changed after the one the login checked', async () => {
    const userId = await newUser();
    await dataSource.getRepository(User).update({ id: userId }, { passwordChangedAt: new Date(CHANGED_AT.getTime() + 1) });
    await expect(clients.open({ id: userId, passwordChangedAt: CHANGED_AT }, true, origin)).resolves.toBeNull();
    await expect(clients.open({ id: 'no such user', passwordChangedAt: CHANGED_AT }, true, origin)).resolves.toBeNull();
    await expect(dataSource.getRepository(Client).count()).resolves.toBe(0);
  });

  it('ends one client of its user, once; another user’s client is not found', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { client } = await open(alice, true);
    await expect(clients.end(bob, client.id, 'revoked', SYSTEM)).rejects.toBeInstanceOf(NotFoundException);
    await clients.end(alice, client.id, 'logout', SYSTEM, origin);
    await expect(clients.findActive(client.id)).resolves.toBeNull();
    await expect(clients.end(alice, client.id, 'logout', SYSTEM)).rejects.toBeInstanceOf(NotFoundException);
    const row = await dataSource.getRepository(Client).findOneByOrFail({ id: client.id });
    expect(row).toMatchObject({ endReason: 'logout', endedByIp: origin.ip });
  });

  it('ends all but the current client, and only the user’s', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const keep = await open(alice, true);
    await open(alice, true);
    await open(alice, false);
    const bobs = await open(bob, true);
    await expect(clients.endAllExcept(alice, keep.client.id, 'revoked', SYSTEM)).resolves.toBe(2);
    expect((await clients.list(alice)).map((c) => c.id)).toEqual([keep.client.id]);
    await expect(clients.findActive(bobs.client.id)).resolves.not.toBeNull();
  });

  it('lists live clients newest first', async () => {
    const userId = await newUser();
    const first = await open(userId, true);
    clock.advance(5);
    const second = await open(userId, true);
    expect((await clients.list(userId)).map((c) => c.id)).toEqual([second.client.id, first.client.id]);
  });

  it('prunes clients that ended or expired longer than the retention period ago, and keeps the rest', async () => {
    const userId = await newUser();
    const repository = dataSource.getRepository(Client);
    const day = 86400_000;
    const live = await open(userId, true);
    const endedLongAgo = await open(userId, true);
    const endedRecently = await open(userId, true);
    const expiredLongAgo = await open(userId, false);
    await repository.update({ id: endedLongAgo.client.id }, { endedAt: new Date(clock.now() - 31 * day), endReason: 'logout' });
    await repository.update({ id: endedRecently.client.id }, { endedAt: new Date(clock.now() - day), endReason: 'logout' });
    await repository.update({ id: expiredLongAgo.client.id }, { expiresAt: new Date(clock.now() - 31 * day) });

    await expect(clients.prune()).resolves.toBe(2);
    const left = (await repository.find()).map((c) => c.id).sort();
    expect(left).toEqual([live.client.id, endedRecently.client.id].sort());
    await expect(clients.prune()).resolves.toBe(0); // idempotent: several instances may run it
  });

  /*
   * Holds the next cache fill: the read has seen the client live and is about to remember it. The hold
   * sits on the cache, not on the query the read happens to make today, and `reached` proves the fill ran.
   */
  function holdNextFill() {
    const fill = cache.set.bind(cache);
    let reached!: () => void;
    const filling = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let filled!: Promise<void>;
    jest.spyOn(cache, 'set').mockImplementationOnce((...args) => {
      reached();
      filled = released.then(() => fill(...args));
    });
    return { reached: filling, release: () => (release(), filled) };
  }

  it('lets an ending win over a cache fill whose read began before it', async () => {
    const userId = await newUser();
    const { client } = await open(userId, true);
    const hold = holdNextFill();
    // The read began first: it may answer what it saw...
    await expect(clients.findActive(client.id)).resolves.not.toBeNull();
    await hold.reached;
    await clients.end(userId, client.id, 'logout', SYSTEM);
    await hold.release();
    // ...but it must not be remembered.
    await expect(clients.findActive(client.id)).resolves.toBeNull();
  });

  it('lets a user-wide ending win over a cache fill whose read began before it', async () => {
    const userId = await newUser();
    const keep = await open(userId, true);
    const { client } = await open(userId, true);
    const hold = holdNextFill();
    await expect(clients.findActive(client.id)).resolves.not.toBeNull();
    await hold.reached;
    await clients.endAllExcept(userId, keep.client.id, 'revoked', SYSTEM);
    await hold.release();
    await expect(clients.findActive(client.id)).resolves.toBeNull();
  });

  it('forgets cached clients when their user’s clients all end, and trusts the cache for its TTL otherwise', async () => {
    const userId = await newUser();
    const keep = await open(userId, true);
    const { client } = await open(userId, true);
    await expect(clients.findActive(client.id)).resolves.not.toBeNull(); // now cached
    await dataSource.getRepository(Client).update({ id: client.id }, { endedAt: new Date(clock.now()) }); // behind the cache's back
    await expect(clients.findActive(client.id)).resolves.not.toBeNull();
    clock.advance(3600_000);
    await expect(clients.findActive(client.id)).resolves.toBeNull(); // the TTL is the bound
    const other = await open(userId, true);
    await clients.findActive(other.client.id);
    await clients.endAllExcept(userId, keep.client.id, 'revoked', SYSTEM);
    await expect(clients.findActive(other.client.id)).resolves.toBeNull();
  });

  describe('the cap on live clients per user (AUTH_MAX_CLIENTS_PER_USER)', () => {
    beforeEach(() => {
      ({ clients, clock } = clientsServices(dataSource, { AUTH_MAX_CLIENTS_PER_USER: '3' }));
    });

    it('ends the least recently used live client beyond the cap, with reason limit', async () => {
      const userId = await newUser();
      const opened = [];
      for (let i = 0; i < 3; i += 1) {
        opened.push(await open(userId, true));
        clock.advance(1000);
      }
      // The oldest login was used last: the second one is now the least recently used.
      await dataSource.getRepository(Client).update({ id: opened[0].client.id }, { lastUsedAt: new Date(clock.now()) });
      clock.advance(1000);
      const fourth = await open(userId, true);
      const live = (await clients.list(userId)).map((c) => c.id).sort();
      expect(live).toEqual([opened[0], opened[2], fourth].map((o) => o.client.id).sort());
      const ended = await dataSource.getRepository(Client).findOneByOrFail({ id: opened[1].client.id });
      expect(ended.endReason).toBe('limit');
      await expect(clients.findActive(opened[1].client.id)).resolves.toBeNull();
    });

    it('holds under concurrent logins and touches no other user', async () => {
      const userId = await newUser();
      const bystander = await newUser();
      const theirs = await open(bystander, true);
      const results = await Promise.all(Array.from({ length: 12 }, () => open(userId, true)));
      expect(results.every((r) => r !== null)).toBe(true);
      await expect(clients.list(userId)).resolves.toHaveLength(3);
      const endings = await dataSource.getRepository(Client).countBy({ userId, endReason: 'limit' });
      expect(endings).toBe(9);
      await expect(clients.findActive(theirs.client.id)).resolves.not.toBeNull();
    });
  });

  it('pages newest first with a cursor, stable while clients come and go, with or without ended ones', async () => {
    const userId = await newUser();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.unshift((await open(userId, true)).client.id);
      if (i % 2 === 0) clock.advance(1); // some share a millisecond: the id breaks the tie
    }
    const first = await clients.page(userId, { limit: 2 });
    expect(first.clients.map((c) => c.id)).toEqual((await clients.list(userId)).slice(0, 2).map((c) => c.id));
    await open(userId, true); // a newer client does not shift the pages already begun
    const second = await clients.page(userId, { limit: 2, cursor: first.nextCursor! });
    await clients.end(userId, second.clients[0].id, 'logout', SYSTEM);
    const third = await clients.page(userId, { limit: 2, cursor: second.nextCursor! });
    expect(third.nextCursor).toBeNull();
    const seen = [...first.clients, ...second.clients, ...third.clients].map((c) => c.id);
    expect(new Set(seen).size).toBe(5);
    expect(seen.sort()).toEqual([...ids].sort());
    const withEnded = await clients.page(userId, { limit: 6, includeEnded: true });
    expect(withEnded.clients).toHaveLength(6);
    expect(withEnded.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not give out', async () => {
    const userId = await newUser();
    for (const cursor of ['', 'bm9wZQ', Buffer.from('12.not-an-id').toString('base64url')]) {
      await expect(clients.page(userId, { limit: 2, cursor })).rejects.toMatchObject({ status: 400 });
    }
  });
});
