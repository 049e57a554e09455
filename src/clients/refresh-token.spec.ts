import { formatRefreshToken, hashSecret, newSecret, openSuccessor, parseRefreshToken, sealSuccessor } from './refresh-token';

describe('refresh tokens', () => {
  const clientId = '2b1f8f7e-4c1a-4d5e-9f00-1234567890ab';

  it('are <clientId>.<43 base64url chars> with 32 random bytes of secret', () => {
    const secret = newSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(parseRefreshToken(formatRefreshToken(clientId, secret))).toEqual({ clientId, secret });
    expect(newSecret()).not.toBe(secret);
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
