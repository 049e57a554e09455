import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimsOf, userWithRoles } from './support/admin-helpers';
import { startApp, TestApp } from './support/app';
import { bearer, login, signUp } from './support/factories';
import { DeviceHistoryModule } from './feature.example';

const GUIDE = join(__dirname, '..', 'docs', 'extending.md');
const EXAMPLE = join(__dirname, 'feature.example.ts');

describe('docs/extending.md: a feature module mounted in the app (test/feature.example.ts)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({}, [DeviceHistoryModule]);
  });
  afterAll(() => t.close());

  it('is behind the global guard', async () => {
    const { body } = await t.http.get('/device-history').expect(401);
    expect(body).toMatchObject({ statusCode: 401 });
  });

  it('shows the caller (@CurrentUser) the endings of their own devices only (@OnEvent session.ended)', async () => {
    const alice = await signUp(t.http);
    const [phone, laptop] = [await login(t.http, alice), await login(t.http, alice)];
    const bob = await signUp(t.http);
    const bobs = await login(t.http, bob);
    await t.http.delete(`/clients/${phone.clientId}`).set(bearer(laptop)).expect(204);
    await t.http.post('/auth/logout').set(bearer(bobs)).expect(204);

    const { body } = await t.http.get('/device-history').set(bearer(laptop)).expect(200);
    expect(body).toEqual({
      userId: alice.id,
      askedFrom: laptop.clientId,
      endings: [{ clientId: phone.clientId, reason: 'revoked', endedAt: expect.any(String) }],
    });
  });

  it('@Roles: 403 insufficient_role until an admin grants the role, then the same token gets in', async () => {
    const alice = await signUp(t.http);
    const phone = await login(t.http, alice);
    await t.http.post('/auth/logout').set(bearer(phone)).expect(204);
    const carol = await signUp(t.http);
    const carols = await login(t.http, carol);
    const refused = await t.http.get(`/device-history/${alice.id}`).set(bearer(carols)).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, error: 'Forbidden', reason: 'insufficient_role' });

    const admin = await userWithRoles(t, ['admin']);
    await t.http
      .patch(`/admin/users/${carol.id}`)
      .set(bearer(admin.session))
      .send({ roles: ['support'] })
      .expect(200);

    const { body } = await t.http.get(`/device-history/${alice.id}`).set(bearer(carols)).expect(200);
    expect(body).toEqual({ userId: alice.id, endings: [{ clientId: phone.clientId, reason: 'logout', endedAt: expect.any(String) }] });
    const malformed = await t.http.get('/device-history/not-a-uuid').set(bearer(carols)).expect(400);
    expect(malformed.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('adds its claim to every freshly issued access token, beside the reserved ones', async () => {
    const dave = await signUp(t.http);
    const first = await login(t.http, dave);
    expect(claimsOf(first.accessToken)).toMatchObject({ sub: dave.id, sid: first.clientId, ended_devices: 0 });
    await t.http.post('/auth/logout').set(bearer(first)).expect(204);

    const second = await login(t.http, dave);
    expect(claimsOf(second.accessToken)).toMatchObject({ sub: dave.id, sid: second.clientId, ended_devices: 1 });
  });

  it('the guide quotes the example file verbatim, code block by code block', () => {
    const example = readFileSync(EXAMPLE, 'utf8');
    const blocks = [...readFileSync(GUIDE, 'utf8').matchAll(/```ts example\n([\s\S]*?)```/g)].map((match) => match[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const block of blocks) expect(example).toContain(block);
  });
});
