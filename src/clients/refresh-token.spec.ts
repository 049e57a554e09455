import { formatRefreshToken, hashSecret, newSecret, openSuccessor, parseRefreshToken, sealSuccessor } from './refresh-token';

describe('refresh tokens', () => {
  const clientId = '2b1f8f7e-4c1a-4d5e-9f00-1234567890ab';

  it('are <clientId>.<43 base64url chars> with 32 random bytes of secret', () => {
    const secret = newSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(parseRefreshToken(formatRefreshToken(clientId, secret))).toEqual({ clientId, secret });
    expect(newSecret()).not.toBe(secret);
  });

  it('never hands out the same bytes twice, across refills of the pool they are cut from', () => {
    const secrets = Array.from({ length: 1000 }, newSecret); // about eight 4 KiB refills
    expect(new Set(secrets).size).toBe(1000);
    const bytes = Buffer.concat(secrets.map((s) => Buffer.from(s, 'base64url')));
    // Random bytes: no 32-byte secret is all zeros (a zeroed, reused pool slot would be).
    expect(secrets.every((s) => Buffer.from(s, 'base64url').some((b) => b !== 0))).toBe(true);
    // Roughly uniform: each of 256 byte values about 125 times in 32,000 bytes.
    const counts = new Array(256).fill(0);
    for (const b of bytes) counts[b] += 1;
    expect(Math.min(...counts)).toBeGreaterThan(60);
    expect(Math.max(...counts)).toBeLessThan(200);
  });

  it.each([
    '',
    'no-dot',
    `${clientId}.`,
    `.${newSecret()}`,
    `${clientId}.${newSecret()}x`,
    `${clientId}.${newSecret().slice(1)}`,
    `not-a-uuid.${newSecret()}`,
    `${clientId.toUpperCase()}.${newSecret()}`,
    `${clientId}.${newSecret().slice(0, 42)}+`,
  ])('refuses malformed %p', (token) => {
    expect(parseRefreshToken(token)).toBeNull();
  });

  it('stores only a SHA-256 of the secret', () => {
    const secret = newSecret();
    expect(hashSecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(secret)).not.toContain(secret);
  });

  it('seals a successor that only the previous secret opens, and only to the live hash', () => {
    const previous = newSecret();
    const successor = newSecret();
    const live = hashSecret(successor);
    const sealed = sealSuccessor(previous, successor);
    expect(sealed).not.toContain(successor);
    expect(Buffer.from(sealed, 'base64url')).toHaveLength(32);
    expect(openSuccessor(previous, sealed, live)).toBe(successor);
    expect(openSuccessor(newSecret(), sealed, live)).toBeNull();
    expect(openSuccessor(previous, sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA'), live)).toBeNull();
    expect(openSuccessor(previous, sealed, hashSecret(newSecret()))).toBeNull(); // rotated on since
    expect(openSuccessor(previous, sealed.slice(0, 20), live)).toBeNull();
  });

  it('seals under a pad no other secret shares: equal successors look unrelated', () => {
    const successor = newSecret();
    expect(sealSuccessor(newSecret(), successor)).not.toBe(sealSuccessor(newSecret(), successor));
  });
});
