import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { KeysService } from '../src/keys/keys.service';
import { ListeningApp, startListeningApp } from './support/app';
import { controlAppClock } from './support/clock';
import { login, signUp } from './support/factories';
import { createResourceServer } from './resource-server.example';

describe('another NestJS service guarding its routes with our JWKS (docs/resource-server.md)', () => {
  let auth: ListeningApp;
  let resource: NestFastifyApplication;
  let base: string;
  beforeAll(async () => {
    // Keys activate 1 s after publication, passed on refresh-auth's clock (within the verifier's 5 s
    // tolerance); jose may re-fetch at once (its cooldown runs on the real clock, which the test does not move).
    auth = await startListeningApp({ AUTH_KEY_ACTIVATION_DELAY: '1s' });
    resource = await createResourceServer({ issuer: auth.url, audience: 'refresh-auth', jwks: { cooldownDuration: 0 } });
    await resource.listen(0, '127.0.0.1');
    base = await resource.getUrl();
  });
  afterAll(async () => {
    await resource.close();
    await auth.close();
  });

  const orders = (token?: string) => fetch(`${base}/orders`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('accepts our access tokens and knows the user', async () => {
    const user = await signUp(auth.http);
    const session = await login(auth.http, user);
    const response = await orders(session.accessToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ owner: user.id, orders: [] });
  });

  it('refuses a missing or forged token', async () => {
    const session = await login(auth.http, await signUp(auth.http));
    expect((await orders()).status).toBe(401);
    const [header, payload] = session.accessToken.split('.');
    expect((await orders(`${header}.${payload}.${'A'.repeat(86)}`)).status).toBe(401);
    expect((await orders(session.refreshToken)).status).toBe(401);
  });

  it('keeps verifying after a key rotation', async () => {
    const user = await signUp(auth.http);
    await orders((await login(auth.http, user)).accessToken); // the resource server has cached the set
    const kid = (await auth.app.get(KeysService).rotate()).kid;
    const clock = controlAppClock(auth.app);
    clock.advance(1100);
    const fresh = await login(auth.http, user);
    expect(JSON.parse(Buffer.from(fresh.accessToken.split('.')[0], 'base64url').toString()).kid).toBe(kid);
    expect((await orders(fresh.accessToken)).status).toBe(200);
  });
});
