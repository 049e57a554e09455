import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { testEnv } from './app';
import { bearerHeader, httpCall } from './http-client';

/**
 * The refresh-token race rules of API.md §4 as a reusable suite: real parallel HTTP requests at the
 * real app, no mocks. `env` picks the database (SQLite file, PostgreSQL, ...); each engine's spec
 * calls this once.
 */
export interface RaceSetup {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export function describeRaceConformance(engine: string, setup: () => Promise<RaceSetup>): void {
  describe(`race conformance on ${engine}`, () => {
    let app: NestFastifyApplication;
    let base: string;
    let engineSetup: RaceSetup;

    beforeAll(async () => {
      engineSetup = await setup();
      app = await createApp({ logger: false, env: testEnv(engineSetup.env) });
      await app.listen(0, '127.0.0.1');
      base = await app.getUrl();
    });
    afterAll(async () => {
      await app.close();
      await engineSetup.cleanup();
    });

    const statuses: number[] = [];
    afterAll(() => {
      // Whatever the interleaving, no request may end in a 5xx.
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
    });

    async function call(method: string, path: string, body?: unknown, accessToken?: string) {
      const response = await httpCall(base, method, path, body, bearerHeader(accessToken));
      statuses.push(response.status);
      return response;
    }

    let counter = 0;
    async function permanentSession() {
      counter += 1;
      const credentials = { username: `race_${counter}_${Date.now()}`, password: 'correct horse battery' };
      expect((await call('POST', '/users', credentials)).status).toBe(201);
      return anotherClient({ credentials });
    }
    /** A second device of the same user: it must live on whatever happens to the first. */
    async function anotherClient({ credentials }: { credentials: { username: string; password: string } }) {
      const login = await call('POST', '/auth?permanent=true', credentials);
      expect(login.status).toBe(200);
      return { credentials, refreshToken: login.body.token.refreshToken as string, accessToken: login.body.token.accessToken as string };
    }
    const refresh = (refreshToken: string) => call('POST', '/token', { refreshToken });
    const works = async (refreshToken: string) => (await refresh(refreshToken)).status === 201;

    /** Liveness: a winner's pair works, so a server that refuses every refresh fails the race. */
    async function expectLive(token: { refreshToken: string; accessToken: string }) {
      expect((await call('GET', '/me', undefined, token.accessToken)).status).toBe(200);
      expect(await works(token.refreshToken)).toBe(true);
    }

    it('N parallel refreshes of one token leave exactly one live refresh token', async () => {
      for (let round = 0; round < 3; round += 1) {
        const session = await permanentSession();
        const results = await Promise.all(Array.from({ length: 20 }, () => refresh(session.refreshToken)));
        const winners = results.filter((r) => r.status === 201);
        expect(winners.length).toBeGreaterThanOrEqual(1);
        // Whoever else got a 201 got the same successor (the grace window), never a second chain.
        const issued = [...new Set(winners.map((r) => r.body.token.refreshToken as string))];
        expect(issued).toHaveLength(1);
        await expectLive(winners[0].body.token);
      }
    });

    it('N parallel refreshes of successive generations never fork the chain', async () => {
      const session = await permanentSession();
      const r2 = (await refresh(session.refreshToken)).body.token.refreshToken as string;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => refresh(i % 2 ? session.refreshToken : r2)));
      const winners = results.filter((r) => r.status === 201);
      expect(winners.length).toBeGreaterThanOrEqual(1);
      const issued = new Set(winners.map((r) => r.body.token.refreshToken as string));
      let live = 0;
      for (const token of issued) if (await works(token)) live += 1;
      expect(live).toBeLessThanOrEqual(1);
      // No live token left means reuse detection ended the client, not that refreshes were refused.
      if (live === 0) expect((await call('GET', '/me', undefined, session.accessToken)).status).toBe(401);
    });

    it.each([
      ['POST /token/reject', (s: { refreshToken: string; accessToken: string }) => call('POST', '/token/reject', { refreshToken: s.refreshToken })],
      ['POST /auth/logout', (s: { refreshToken: string; accessToken: string }) => call('POST', '/auth/logout', undefined, s.accessToken)],
      [
        'DELETE /clients/:id',
        (s: { refreshToken: string; accessToken: string }) => call('DELETE', `/clients/${s.refreshToken.split('.')[0]}`, undefined, s.accessToken),
      ],
    ])('a refresh racing %s never outlives it', async (_name, end) => {
      for (let round = 0; round < 5; round += 1) {
        const session = await permanentSession();
        const bystander = await anotherClient(session);
        // Alternate which request leaves first.
        const [refreshed, ended] =
          round % 2
            ? await Promise.all([refresh(session.refreshToken), end(session)])
            : await Promise.all([end(session), refresh(session.refreshToken)]).then(([e, r]) => [r, e]);
        expect([204]).toContain(ended.status);
        if (refreshed.status === 201) {
          expect(await works(refreshed.body.token.refreshToken)).toBe(false);
          expect((await call('GET', '/me', undefined, refreshed.body.token.accessToken)).status).toBe(401);
        } else {
          expect(refreshed.status).toBe(401);
        }
        expect(await works(session.refreshToken)).toBe(false);
        expect((await call('GET', '/me', undefined, session.accessToken)).status).toBe(401);
        await expectLive(bystander);
      }
    });

    it('a reuse racing a refresh ends the client: no token survives', async () => {
      const session = await permanentSession();
      const r2 = (await refresh(session.refreshToken)).body.token.refreshToken as string;
      const r3 = (await refresh(r2)).body.token.refreshToken as string;
      const bystander = await anotherClient(session);
      const results = await Promise.all([refresh(session.refreshToken), refresh(r3), refresh(session.refreshToken)]);
      for (const result of results.filter((r) => r.status === 201)) {
        expect(await works(result.body.token.refreshToken)).toBe(false);
        expect((await call('GET', '/me', undefined, result.body.token.accessToken)).status).toBe(401);
      }
      // The reuse ended the client (its first access token is dead), and only that client.
      expect((await call('GET', '/me', undefined, session.accessToken)).status).toBe(401);
      await expectLive(bystander);
    });

    it('parallel logins of one user open distinct clients, all live', async () => {
      const credentials = { username: `race_login_${Date.now()}`, password: 'correct horse battery' };
      await call('POST', '/users', credentials);
      const logins = await Promise.all(Array.from({ length: 6 }, () => call('POST', '/auth?permanent=true', credentials)));
      const clientIds = new Set(logins.map((l) => l.body.user.clientId));
      expect(clientIds.size).toBe(6);
      const refreshed = await Promise.all(logins.map((l) => refresh(l.body.token.refreshToken)));
      expect(refreshed.map((r) => r.status)).toEqual(Array(6).fill(201));
    });
  });
}
