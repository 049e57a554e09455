import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { migratedDataSource } from '../../test/support/database';
import { Clock } from '../common/clock';
import type { KeysService } from '../keys/keys.service';
import { User } from '../users/user.entity';
import { RecoveryCode } from './entities/recovery-code.entity';
import { RecoveryCodesService } from './recovery-codes.service';

describe('RecoveryCodesService', () => {
  let dataSource: DataSource;
  let codes: RecoveryCodesService;
  const key = randomBytes(32);

  const newUser = async () => {
    const id = randomUUID();
    const now = new Date();
    await dataSource
      .getRepository(User)
      .insert({ id, username: id.slice(0, 8), usernameKey: id.slice(0, 8), passwordHash: 'x', createdAt: now, passwordChangedAt: now });
    return id;
  };

  beforeEach(async () => {
    dataSource = await migratedDataSource();
    codes = new RecoveryCodesService(dataSource.getRepository(RecoveryCode), { hashKey: () => key } as unknown as KeysService, new Clock());
  });
  afterEach(() => dataSource.destroy());

  it('each code works once, for its own user only', async () => {
    const userId = await newUser();
    const other = await newUser();
    const [first, second] = await codes.replace(userId);
    await codes.replace(other);
    expect(await codes.use(other, first)).toBe(false);
    expect(await codes.use(userId, first)).toBe(true);
    expect(await codes.use(userId, first)).toBe(false);
    expect(await codes.left(userId)).toBe(9);
    // Two uses racing: the DELETE decides.
    expect((await Promise.all([codes.use(userId, second), codes.use(userId, second)])).sort()).toEqual([false, true]);
  });

  it('new codes void the old ones; only keyed hashes are stored', async () => {
    const userId = await newUser();
    const old = await codes.replace(userId);
    const fresh = await codes.replace(userId);
    expect(await codes.left(userId)).toBe(10);
    expect(await codes.use(userId, old[0])).toBe(false);
    const stored = JSON.stringify(await dataSource.getRepository(RecoveryCode).find());
    for (const code of fresh) expect(stored).not.toContain(code.replace(/-/g, ''));
    expect(await codes.voidAll(userId)).toBe(10);
    expect(await codes.use(userId, fresh[0])).toBe(false);
  });
});
