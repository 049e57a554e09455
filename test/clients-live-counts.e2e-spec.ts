import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ClientsService } from '../src/clients/clients.service';
import { User } from '../src/users/user.entity';
import type { ManualClock } from './support/clock';
import { clientsServices, migratedDataSource } from './support/database';

/*
 * ClientsService.liveCounts: the admin's user list asks Clients how many devices each user has
 * signed in (users/ no longer reads the clients table itself).
 */
const CHANGED_AT = new Date(1_700_000_000_000);
const origin = { ip: '203.0.113.7', userAgent: 'spec' };
const SYSTEM = { kind: 'system' } as const;

describe('ClientsService.liveCounts', () => {
  let dataSource: DataSource;
  let clients: ClientsService;
  let clock: ManualClock;

  const newUser = async () => {
    const id = randomUUID();
    const name = id.slice(0, 8);
    await dataSource
      .getRepository(User)
      .insert({ id, username: name, usernameKey: name, passwordHash: 'x', createdAt: new Date(), passwordChangedAt: CHANGED_AT });
    return id;
  };
  const open = async (userId: string, permanent: boolean) => (await clients.open({ id: userId, passwordChangedAt: CHANGED_AT }, permanent, origin))!;

  beforeEach(async () => {
    dataSource = await migratedDataSource();
    ({ clients, clock } = clientsServices(dataSource, { AUTH_ACCESS_TTL: '60s' }));
  });
  afterEach(() => dataSource.destroy());

  it('counts each user’s live clients only: not the ended, not the expired, not another user’s', async () => {
    const [alice, bob, carol] = [await newUser(), await newUser(), await newUser()];
    await open(alice, true);
    const ended = await open(alice, true);
    await open(alice, false); // expires with its access token
    await open(bob, true);
    await clients.end(alice, ended.client.id, 'revoked', SYSTEM);
    expect(await clients.liveCounts([alice, bob, carol])).toEqual(
      new Map([
        [alice, 2],
        [bob, 1],
      ]),
    );
    clock.advance(61_000);
    expect(await clients.liveCounts([alice, bob, carol])).toEqual(
      new Map([
        [alice, 1],
        [bob, 1],
      ]),
    );
  });

  it('asks nothing for no users', async () => {
    const query = jest.spyOn(dataSource.manager.connection, 'query');
    try {
      await expect(clients.liveCounts([])).resolves.toEqual(new Map());
      expect(query).not.toHaveBeenCalled();
    } finally {
      query.mockRestore();
    }
  });
});
