import { DPOP_NONCE_WINDOW_MS, DpopNonces } from './dpop-nonces';

describe('DpopNonces: a rotating server nonce without storage', () => {
  const now = Date.UTC(2026, 11, 7, 12, 0, 0);

  it('instances with the same secret agree; another secret does not', () => {
    const a = new DpopNonces('shared-secret-shared-secret-0123');
    const b = new DpopNonces('shared-secret-shared-secret-0123');
    expect(b.isValid(a.current(now), now)).toBe(true);
    expect(new DpopNonces('another-secret-another-secret-01').isValid(a.current(now), now)).toBe(false);
    expect(new DpopNonces(null).isValid(a.current(now), now)).toBe(false);
  });

  it('the previous window is still accepted, the one before is not, and a future one cannot be made', () => {
    const nonces = new DpopNonces('shared-secret-shared-secret-0123');
    const issued = nonces.current(now);
    expect(nonces.isValid(issued, now + DPOP_NONCE_WINDOW_MS)).toBe(true);
    expect(nonces.isValid(issued, now + 2 * DPOP_NONCE_WINDOW_MS)).toBe(false);
    expect(nonces.isValid(nonces.current(now + DPOP_NONCE_WINDOW_MS * 3), now)).toBe(false);
    expect(nonces.isValid('', now)).toBe(false);
  });
});
