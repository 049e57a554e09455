import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { controlClock, ManualClock } from '../../test/support/clock';
import { migratedDataSource } from '../../test/support/database';
import { Clock } from '../common/clock';
import { openAtRest, sealAtRest } from '../keys/key-material';
import type { KeysService } from '../keys/keys.service';
import { User } from '../users/user.entity';
import { TotpFactor } from './entities/totp-factor.entity';
import { totpCode } from './totp-code';
import { TotpService } from './totp.service';

const SECRET = 'k'.repeat(43);
/** The key-encryption half of KeysService, as it seals signing keys. */
const keys = {
  sealAtRest: (text: string, context: string) => sealAtRest(text, SECRET, context),
  openAtRest: (stored: string, context: string) => openAtRest(stored, SECRET, context),
};

describe('TotpService', () => {
  let dataSource: DataSource;
  let totp: TotpService;
  let clock: ManualClock;

  const newUser = async () => {
    const id = randomUUID();
    const now = new Date();
    await dataSource
      .getRepository(User)
      .insert({ id, username: id.slice(0, 8), usernameKey: id.slice(0, 8), passwordHash: 'x', createdAt: now, passwordChangedAt: now });
    return id;
  };

  /** A user with TOTP on; the secret, as the app holds it. */
  const enrolled = async () => {
    const userId = await newUser();
    const { secret } = await totp.begin(userId, 'someone');
    expect(await totp.confirm(userId, totpCode(secret, clock.now()))).toBe(true);
    clock.advance(30_000); // the confirmation spent this step
    return { userId, secret, code: (offsetSteps = 0) => totpCode(secret, clock.now() + offsetSteps * 30_000) };
  };

  beforeEach(async () => {
    dataSource = await migratedDataSource();
    clock = controlClock(new Clock());
    const clockInstance = { now: () => clock.now() } as Clock;
    totp = new TotpService(dataSource.getRepository(TotpFactor), keys as unknown as KeysService, clockInstance, { rpId: 'example.com', origins: [] });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await dataSource.destroy();
  });

  it('accepts each code once', async () => {
    const { userId, code } = await enrolled();
    const now = code();
    expect(await totp.verify(userId, now)).toBe(true);
    expect(await totp.verify(userId, now)).toBe(false);
  });

  it('of two verifications racing with one code, one wins (the database decides)', async () => {
    const { userId, code } = await enrolled();
    const now = code();
    const results = await Promise.all([totp.verify(userId, now), totp.verify(userId, now), totp.verify(userId, now)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('takes one step either side, and never a step older than the last one used', async () => {
    const { userId, code } = await enrolled();
    clock.advance(90_000); // well past the step the confirmation spent
    expect(await totp.verify(userId, code(2))).toBe(false);
    expect(await totp.verify(userId, code(-2))).toBe(false);
    expect(await totp.verify(userId, code(-1))).toBe(true);
    expect(await totp.verify(userId, code(1))).toBe(true);
    // The step after now was used: now and the one before are spent with it.
    expect(await totp.verify(userId, code())).toBe(false);
    clock.advance(60_000);
    expect(await totp.verify(userId, code())).toBe(true);
  });

  it('a pending secret is no factor until a code confirms it', async () => {
    const userId = await newUser();
    const { secret } = await totp.begin(userId, 'someone');
    expect(await totp.isOn(userId)).toBe(false);
    expect(await totp.verify(userId, totpCode(secret, clock.now()))).toBe(false);
    expect(await totp.confirm(userId, totpCode(secret, clock.now() + 90_000))).toBe(false);
    expect(await totp.confirm(userId, totpCode(secret, clock.now()))).toBe(true);
    expect(await totp.isOn(userId)).toBe(true);
    await expect(totp.begin(userId, 'someone')).rejects.toMatchObject({ status: 409 });
  });

  it('keeps the secret encrypted at rest, bound to its user', async () => {
    const { userId, secret } = await enrolled();
    const row = await dataSource.getRepository(TotpFactor).findOneByOrFail({ userId });
    expect(row.secret).toMatch(/^enc:v1:/);
    expect(row.secret).not.toContain(secret);
    expect(keys.openAtRest(row.secret, `totp:${userId}`)).toBe(secret);
    // Copied onto another user's row, it does not open.
    expect(() => keys.openAtRest(row.secret, `totp:${randomUUID()}`)).toThrow();
    expect(() => openAtRest(row.secret, 'x'.repeat(43), `totp:${userId}`)).toThrow();
  });
});
