import { NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { clientsServices, migratedDataSource } from './database';
import { User } from '../src/users/user.entity';
import { Client } from '../src/clients/client.entity';
import { ClientsService } from '../src/clients/clients.service';

/** Every spec user's last password change: what a login would have checked. */
const CHANGED_AT = new Date(1_700_000_000_000);
const origin = { ip: '203.0.113.7', userAgent: 'spec' };

describe('ClientsService', () => {
  let dataSource: DataSource;
  let clients: ClientsService;
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
    clients = clientsServices(dataSource, { AUTH_ACCESS_TTL: '60s' }).clients;
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
    await expect(clients.end(bob, client.id, 'revoked')).rejects.toBeInstanceOf(NotFoundException);
    await clients.end(alice, client.id, 'logout', origin);
    await expect(clients.findActive(client.id)).resolves.toBeNull();
    await expect(clients.end(alice, client.id, 'logout')).rejects.toBeInstanceOf(NotFoundException);
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
    await expect(clients.endAllExcept(alice, keep.client.id, 'revoked')).resolves.toBe(2);
    expect((await clients.list(alice)).map((c) => c.id)).toEqual([keep.client.id]);
    await expect(clients.findActive(bobs.client.id)).resolves.not.toBeNull();
  });

  it('lists live clients newest first', async () => {
    const userId = await newUser();
    const first = await open(userId, true);
    await new Promise((resolve) => setTimeout(resolve, 5));
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
    await repository.update({ id: endedLongAgo.client.id }, { endedAt: new Date(Date.now() - 31 * day), endReason: 'logout' });
    await repository.update({ id: endedRecently.client.id }, { endedAt: new Date(Date.now() - day), endReason: 'logout' });
    await repository.update({ id: expiredLongAgo.client.id }, { expiresAt: new Date(Date.now() - 31 * day) });

    await expect(clients.prune()).resolves.toBe(2);
    const left = (await repository.find()).map((c) => c.id).sort();
    expect(left).toEqual([live.client.id, endedRecently.client.id].sort());
    await expect(clients.prune()).resolves.toBe(0); // idempotent: several instances may run it
  });
});
