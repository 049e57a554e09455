import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';

describe('passwords', () => {
  it('are hashed with argon2id at m=19456 KiB, t=2, p=1 or stronger, salted', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hashPassword('correct horse battery')).not.toBe(hash);
  });

  it('verify the right password only', async () => {
    const hash = await hashPassword('correct horse battery');
    await expect(verifyPassword(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(verifyPassword(hash, 'Correct horse battery')).resolves.toBe(false);
  });

  it('never accept a malformed stored hash', async () => {
    await expect(verifyPassword('not a hash', 'anything')).resolves.toBe(false);
  });

  it('spend a real verify for unknown users and still say no', async () => {
    await expect(verifyAgainstDummy('dummy password that no account has')).resolves.toBe(false);
  });
});
