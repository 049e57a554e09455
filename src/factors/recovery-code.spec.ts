import { randomBytes } from 'node:crypto';
import { hashRecoveryCode, newRecoveryCode, normalizeRecoveryCode } from './recovery-code';

describe('recovery codes', () => {
  it('are 12 unambiguous characters in three groups, all different', () => {
    const codes = Array.from({ length: 200 }, newRecoveryCode);
    for (const code of codes) expect(code).toMatch(/^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('hash the same however typed, and differently under another key', () => {
    const key = randomBytes(32);
    const code = newRecoveryCode();
    expect(hashRecoveryCode(key, code.toUpperCase().replace(/-/g, ' '))).toBe(hashRecoveryCode(key, code));
    expect(hashRecoveryCode(randomBytes(32), code)).not.toBe(hashRecoveryCode(key, code));
    expect(hashRecoveryCode(key, code)).not.toContain(normalizeRecoveryCode(code));
  });
});
