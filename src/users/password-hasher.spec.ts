import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id at m=19456 KiB, t=2, p=1, salted', async () => {
    const hash = await hasher.hash('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.hash('correct horse battery')).not.toBe(hash);
  });

  it('verifies the right password only', async () => {
    const hash = await hasher.hash('correct horse battery');
    await expect(hasher.verify(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'Correct horse battery')).resolves.toBe(false);
  });

  it('never accepts a malformed stored hash', async () => {
    await expect(hasher.verify('not a hash', 'anything')).resolves.toBe(false);
  });

  it('spends one real verify for unknown users and still says no', async () => {
    const verify = jest.spyOn(hasher, 'verify');
    await expect(hasher.verifyAgainstDummy('dummy password that no account has')).resolves.toBe(false);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify.mock.calls[0][0]).toMatch(/^\$argon2id\$/);
  });
});
