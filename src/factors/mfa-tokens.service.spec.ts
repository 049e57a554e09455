import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { controlClock, ManualClock } from '../../test/support/clock';
import { migratedDataSource } from '../../test/support/database';
import { Clock } from '../common/clock';
import { User } from '../users/user.entity';
import { MfaToken } from './entities/mfa-token.entity';
import { MFA_TOKEN_MAX_FAILURES, MfaTokensService } from './mfa-tokens.service';

describe('MfaTokensService', () => {
  let dataSource: DataSource;
  let tokens: MfaTokensService;
  let clock: ManualClock;
  let user: { id: string; passwordChangedAt: Date };

  beforeEach(async () => {
    dataSource = await migratedDataSource();
    clock = controlClock(new Clock());
    tokens = new MfaTokensService(dataSource.getRepository(MfaToken), { now: () => clock.now() } as Clock);
    const id = randomUUID();
    const now = new Date();
    await dataSource
      .getRepository(User)
      .insert({ id, username: id.slice(0, 8), usernameKey: id.slice(0, 8), passwordHash: 'x', createdAt: now, passwordChangedAt: now });
    user = { id, passwordChangedAt: now };
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await dataSource.destroy();
  });

  it('finishes one login: consumed once, then unknown', async () => {
    const { token, expiresIn } = await tokens.issue(user, true, 'read');
    expect(expiresIn).toBe(300);
    const row = (await tokens.find(token))!;
    expect(row).toMatchObject({ userId: user.id, permanent: true, scope: 'read' });
    const results = await Promise.all([tokens.consume(row), tokens.consume(row)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await tokens.find(token)).toBeNull();
  });

  it('lives five minutes', async () => {
    const { token } = await tokens.issue(user, false, null);
    clock.advance(299_000);
    const row = (await tokens.find(token))!;
    expect(row).not.toBeNull();
    clock.advance(1_000);
    expect(await tokens.find(token)).toBeNull();
    expect(await tokens.consume(row)).toBe(false);
  });

  it('dies at its fifth wrong code', async () => {
    const { token } = await tokens.issue(user, false, null);
    const row = (await tokens.find(token))!;
    const left: number[] = [];
    for (let i = 0; i < MFA_TOKEN_MAX_FAILURES; i += 1) left.push(await tokens.fail(row));
    expect(left).toEqual([4, 3, 2, 1, 0]);
    expect(await tokens.find(token)).toBeNull();
    expect(await tokens.consume(row)).toBe(false);
  });

  it('stores only a hash of the token', async () => {
    const { token } = await tokens.issue(user, false, null);
    const rows = await dataSource.getRepository(MfaToken).find();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(await tokens.find(`${token}x`)).toBeNull();
  });
});
