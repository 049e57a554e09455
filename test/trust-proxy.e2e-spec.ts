import { startApp, TestApp } from './support/app';
import { bearer, credentials, signUp } from './support/factories';

/**
 * The client address (GET /clients `ip`, the per-address login limit, the log) comes from
 * X-Forwarded-For only through the proxies TRUST_PROXY names: a client writes the left of that header.
 */
describe('TRUST_PROXY', () => {
  const recordedIp = async (t: TestApp, forwardedFor?: string) => {
    const user = await signUp(t.http);
    const request = t.http.post('/auth?permanent=true').send({ username: user.username, password: user.password });
    if (forwardedFor) request.set('x-forwarded-for', forwardedFor);
    const { body } = await request.expect(200);
    const clients = await t.http.get('/clients').set(bearer({ accessToken: body.token.accessToken, clientId: body.user.clientId }));
    return clients.body.find((client: { current: boolean }) => client.current).ip as string;
  };

  const failLogin = (t: TestApp, forwardedFor: string) =>
    t.http
      .post('/auth')
      .set('x-forwarded-for', forwardedFor)
      .send({ ...credentials(), password: 'wrong password' });

  describe('a hop count (1: one proxy of ours in front)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ TRUST_PROXY: '1', AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS: '3', AUTH_LOGIN_MAX_FAILURES_PER_USER: '1000' });
    });
    afterAll(() => t.close());

    it('records the entry our proxy added (the right-most), not the one the client wrote', async () => {
      expect(await recordedIp(t, '6.6.6.6, 203.0.113.7')).toBe('203.0.113.7');
      expect(await recordedIp(t, '203.0.113.8')).toBe('203.0.113.8');
    });

    it('limits failed logins by that entry, whatever the client writes to the left of it', async () => {
      for (let i = 1; i <= 3; i += 1) await failLogin(t, `6.6.6.${i}, 203.0.113.20`).expect(401);
      await failLogin(t, '6.6.6.99, 203.0.113.20').expect(429);
      await failLogin(t, '203.0.113.20').expect(429);
      await failLogin(t, '6.6.6.1, 203.0.113.21').expect(401);
    });
  });

  describe('a list of proxy addresses and CIDRs', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ TRUST_PROXY: '127.0.0.1,10.0.0.0/8' });
    });
    afterAll(() => t.close());

    it('skips only the hops from those addresses', async () => {
      expect(await recordedIp(t, '6.6.6.6, 203.0.113.7, 10.1.2.3')).toBe('203.0.113.7');
      expect(await recordedIp(t, '6.6.6.6, 203.0.113.7')).toBe('203.0.113.7');
      expect(await recordedIp(t, '6.6.6.6, 10.9.9.9')).toBe('6.6.6.6');
    });
  });

  it('ignores X-Forwarded-For from a peer that is not a listed proxy', async () => {
    const t = await startApp({ TRUST_PROXY: '10.0.0.0/8' });
    try {
      expect(await recordedIp(t, '6.6.6.6, 10.1.2.3')).toMatch(/127\.0\.0\.1$/);
    } finally {
      await t.close();
    }
  });

  it('ignores X-Forwarded-For altogether by default', async () => {
    const t = await startApp();
    try {
      expect(await recordedIp(t, '6.6.6.6, 203.0.113.7')).toMatch(/127\.0\.0\.1$/);
    } finally {
      await t.close();
    }
  });
});
