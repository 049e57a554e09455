import { joinAmr } from './clients.service';

describe('joinAmr (RFC 8176)', () => {
  it('adds mfa only for two different kinds of proof', () => {
    expect(joinAmr(['pwd'])).toBe('pwd');
    expect(joinAmr(['pwd'], ['otp'])).toBe('pwd otp mfa');
    expect(joinAmr(['hwk', 'user'])).toBe('hwk user mfa');
    expect(joinAmr(['pwd'], ['hwk', 'user'])).toBe('pwd hwk user mfa');
    // Two of one kind (held: a code and a key) are not two factors.
    expect(joinAmr(['otp'], ['hwk'])).toBe('otp hwk');
  });

  it('keeps each method once and never carries an old mfa over by itself', () => {
    expect(joinAmr(['pwd', 'otp', 'mfa'], ['pwd'])).toBe('pwd otp mfa');
    expect(joinAmr(['pwd', 'mfa'])).toBe('pwd');
  });
});
