import { matchingStep, newTotpSecret, otpauthUri, stepAt, totpCode } from './totp-code';

describe('TOTP codes (RFC 6238)', () => {
  const secret = newTotpSecret();
  const now = 1_767_000_000_000;

  it('matches the RFC 6238 SHA-1 test vector', () => {
    // RFC 6238 appendix B: the ASCII secret "12345678901234567890", T = 59 s → 94287082 (8 digits); the last 6.
    const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(rfcSecret, 59_000)).toBe('287082');
    expect(matchingStep(rfcSecret, '287082', 59_000)).toBe(1);
  });

  it("accepts this step's code and one step either side, no further", () => {
    const step = stepAt(now);
    expect(matchingStep(secret, totpCode(secret, now), now)).toBe(step);
    expect(matchingStep(secret, totpCode(secret, now - 30_000), now)).toBe(step - 1);
    expect(matchingStep(secret, totpCode(secret, now + 30_000), now)).toBe(step + 1);
    expect(matchingStep(secret, totpCode(secret, now - 60_000), now)).toBeNull();
    expect(matchingStep(secret, totpCode(secret, now + 60_000), now)).toBeNull();
  });

  it('refuses what is not six digits, and another secret', () => {
    expect(matchingStep(secret, '12345', now)).toBeNull();
    expect(matchingStep(secret, 'abcdef', now)).toBeNull();
    expect(matchingStep(newTotpSecret(), totpCode(secret, now), now)).toBeNull();
  });

  it('builds the otpauth URI apps scan', () => {
    const uri = otpauthUri(secret, 'alice', 'example.com');
    expect(uri).toMatch(/^otpauth:\/\/totp\/example\.com:alice\?/);
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toContain('algorithm=SHA1');
    expect(uri).toContain('digits=6');
    expect(uri).toContain('period=30');
  });
});
