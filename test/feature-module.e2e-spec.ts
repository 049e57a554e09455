import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, TestApp } from './app';
import { bearer, login, signUp } from './factories';
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

  it('the guide quotes the example file verbatim, code block by code block', () => {
    const example = readFileSync(EXAMPLE, 'utf8');
    const blocks = [...readFileSync(GUIDE, 'utf8').matchAll(/```ts example\n([\s\S]*?)```/g)].map((match) => match[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const block of blocks) expect(example).toContain(block);
  });
});
