import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { clientsServices, migratedDataSource } from '../../test/support/database';
import { User } from '../users/user.entity';
import { Client } from './client.entity';
import { ClientsService } from './clients.service';
import { RefreshRejectedException } from './refresh-rejected.exception';
import { hashSecret, parseRefreshToken } from './refresh-token';
import type { ClientsRepository } from './clients.repository';
import type { ManualClock } from '../../test/support/clock';

/** Who ends clients in these service-level specs (the session events are test/events.e2e-spec.ts's). */
const SYSTEM = { kind: 'system' } as const;

/** Every spec user's last password change: what a login would have checked. */
const CHANGED_AT = new Date(1_700_000_000_000);
const origin = { ip: '127.0.0.1', userAgent: 'spec' };

describe('RefreshTokensService', () => {
  let dataSource: DataSource;
  let clients: ClientsService;
  const open = async (userId: string, permanent: boolean) => (await clients.open({ id: userId, passwordChangedAt: CHANGED_AT }, permanent, origin))!;
  let userId: string;

  let clock: ManualClock;
  let statements: ClientsRepository;
  const service = (overrides: Record<string, string> = {}) => {
    const services = clientsServices(dataSource, overrides);
    ({ clients, clock, statements } = services);
    return services.refreshTokens;
  };
  const rejection = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RefreshRejectedException);
    return (error as RefreshRejectedException).reason;
  };

  beforeEach(async () => {
    dataSource = await migratedDataSource();
    userId = randomUUID();
    await dataSource.getRepository(User).insert({
      id: userId,
      username: 'spec',
      usernameKey: 'spec',
      passwordHash: 'x',
      createdAt: new Date(),
      passwordChangedAt: CHANGED_AT,
    });
  });
  afterEach(() => dataSource.destroy());

  it('rotates: a new secret replaces the old one, whose hash is all that is stored', async () => {
    const tokens = service();
    const { refreshToken } = await open(userId, true);
    const rotated = await tokens.rotate(refreshToken!, origin);
    expect(rotated.refreshToken).not.toBe(refreshToken);
    const row = await dataSource.getRepository(Client).findOneByOrFail({ id: rotated.client.id });
    expect(row.refreshTokenHash).toBe(hashSecret(parseRefreshToken(rotated.refreshToken)!.secret));
    const dump = JSON.stringify(await dataSource.query('SELECT * FROM clients'));
    expect(dump).not.toContain(parseRefreshToken(rotated.refreshToken)!.secret);
    expect(dump).not.toContain(parseRefreshToken(refreshToken!)!.secret);
  });

  it('moves the idle deadline on rotation but never past the absolute one', async () => {
    const tokens = service({ AUTH_REFRESH_IDLE_TTL: '60s', AUTH_REFRESH_ABSOLUTE_TTL: '90s' });
    const { client, refreshToken } = await open(userId, true);
    expect(client.expiresAt.getTime() - client.createdAt.getTime()).toBe(60_000);
    clock.advance(20_000);
    const moved = await tokens.rotate(refreshToken!, origin);
    expect(moved.client.expiresAt.getTime()).toBeGreaterThanOrEqual(client.createdAt.getTime() + 80_000);
    clock.advance(25_000); // 45 s after login, a 60 s idle deadline would fall 15 s past the absolute one
    const rotated = await tokens.rotate(moved.refreshToken, origin);
    expect(rotated.client.expiresAt.getTime()).toBe(client.sessionExpiresAt.getTime());
    expect(rotated.client.sessionExpiresAt.getTime()).toBe(client.sessionExpiresAt.getTime());
  });

  it('lets exactly one of many concurrent rotations of one token win; the rest get the same successor', async () => {
    const tokens = service();
    const { refreshToken } = await open(userId, true);
    const results = await Promise.all(Array.from({ length: 20 }, () => tokens.rotate(refreshToken!, origin)));
    expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
    await expect(clients.findActive(results[0].client.id)).resolves.not.toBeNull();
  });

  it('refuses a spent token once the grace window is off, and ends the client', async () => {
    const tokens = service({ AUTH_REFRESH_GRACE: '0' });
    const { refreshToken } = await open(userId, true);
    const rotated = await tokens.rotate(refreshToken!, origin);
    await expect(rejection(tokens.rotate(refreshToken!, origin))).resolves.toBe('reused');
    await expect(rejection(tokens.rotate(rotated.refreshToken, origin))).resolves.toBe('reused');
    await expect(clients.findActive(rotated.client.id)).resolves.toBeNull();
  });

  it('refuses tokens of ended clients as revoked and unknown ones as invalid', async () => {
    const tokens = service();
    const { client, refreshToken } = await open(userId, true);
    await clients.end(userId, client.id, 'logout', SYSTEM);
    await expect(rejection(tokens.rotate(refreshToken!, origin))).resolves.toBe('revoked');
    await expect(rejection(tokens.rotate(`${client.id}.${'A'.repeat(43)}`, origin))).resolves.toBe('invalid');
    await expect(rejection(tokens.rotate('nonsense', origin))).resolves.toBe('invalid');
  });

  it('rejects: the client ends, whatever generation of its token is presented; strangers change nothing', async () => {
    const tokens = service();
    const a = await open(userId, true);
    const b = await open(userId, true);
    await tokens.reject(`${b.client.id}.${'A'.repeat(43)}`, origin);
    await expect(clients.findActive(b.client.id)).resolves.not.toBeNull();
    await tokens.rotate(a.refreshToken!, origin);
    await tokens.reject(a.refreshToken!, origin);
    await expect(clients.findActive(a.client.id)).resolves.toBeNull();
    await expect(clients.findActive(b.client.id)).resolves.not.toBeNull();
  });

  it('recognises the last 10 rotated-away tokens as reuse; older ones are only invalid', async () => {
    const tokens = service({ AUTH_REFRESH_GRACE: '0' });
    const { client, refreshToken } = await open(userId, true);
    const chain = [refreshToken!];
    for (let i = 0; i < 12; i += 1) chain.push((await tokens.rotate(chain.at(-1)!, origin)).refreshToken);
    // chain[0] and chain[1] are 12 and 11 rotations old: refused, but they end nothing.
    await expect(rejection(tokens.rotate(chain[0], origin))).resolves.toBe('invalid');
    await expect(rejection(tokens.rotate(chain[1], origin))).resolves.toBe('invalid');
    await expect(clients.findActive(client.id)).resolves.not.toBeNull();
    // chain[2] is 10 rotations old: still known, so its reuse ends the client.
    await expect(rejection(tokens.rotate(chain[2], origin))).resolves.toBe('reused');
    await expect(clients.findActive(client.id)).resolves.toBeNull();
  });

  it('forgives the previous token until the grace window has passed since the rotation, then ends the client', async () => {
    const tokens = service({ AUTH_REFRESH_GRACE: '10s' });
    const { client, refreshToken } = await open(userId, true);
    const rotated = await tokens.rotate(refreshToken!, origin);
    // The window is counted by the database's clock, so the test moves the stored rotation back.
    await dataSource.query(`UPDATE clients SET rotated_at = rotated_at - 9000 WHERE id = '${client.id}'`);
    await expect(tokens.rotate(refreshToken!, origin)).resolves.toMatchObject({ refreshToken: rotated.refreshToken });
    await dataSource.query(`UPDATE clients SET rotated_at = rotated_at - 2000 WHERE id = '${client.id}'`);
    await expect(rejection(tokens.rotate(refreshToken!, origin))).resolves.toBe('reused');
    await expect(clients.findActive(client.id)).resolves.toBeNull();
  });

  it('counts the grace window from the rotation’s commit: a retry that waited out a stall gets the same successor', async () => {
    const tokens = service({ AUTH_REFRESH_GRACE: '10s' });
    const { client, refreshToken } = await open(userId, true);
    const rotate = statements.rotate.bind(statements);
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let first: Promise<unknown> | undefined;
    // The first request's statement stalls; the retry arrives 11 s later and runs only after it.
    jest.spyOn(statements, 'rotate').mockImplementation((rotation) => {
      if (first === undefined) {
        first = stalled.then(() => rotate(rotation));
        return first as ReturnType<typeof rotate>;
      }
      return first.then(() => rotate(rotation));
    });
    const original = tokens.rotate(refreshToken!, origin);
    clock.advance(11_000);
    const retry = tokens.rotate(refreshToken!, origin);
    release();
    const [a, b] = await Promise.all([original, retry]);
    expect(b.refreshToken).toBe(a.refreshToken);
    await expect(clients.findActive(client.id)).resolves.not.toBeNull();
  });
});
