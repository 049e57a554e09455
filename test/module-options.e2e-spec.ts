import fastifyCookie from '@fastify/cookie';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { AuthModule, UsersService } from '../src/auth';
import { ClientsModule } from '../src/clients/clients.module';
import { ClockModule } from '../src/common/clock';
import { DpopModule } from '../src/dpop';
import { loadEnv } from '../src/config/env';
import { buildDataSourceOptions } from '../src/database/database.options';
import { entities } from '../src/entities';
import { EventsModule } from '../src/events';
import { KeysModule } from '../src/keys/keys.module';
import { RateLimitModule } from '../src/rate-limit';
import { RedisModule } from '../src/redis/redis.module';
import { UsersModule } from '../src/users/users.module';
import { UNLIMITED_ADDRESS } from './support/app';
import { createTestDatabase, createTestRedis, type TestDatabase } from './support/engines';
import { NotesModule } from './feature-module.example';

const GUIDE = join(__dirname, '..', 'docs', 'architecture.md');
const EXAMPLE = join(__dirname, 'feature-module.example.ts');

/*
 * The modules embedded in another Nest app: each configured by its own forRoot (KeysModule by
 * forRootAsync), AuthModule with and without its global guard, a feature module on the barrel.
 */
describe('modules with options, embedded in a host app', () => {
  let database: TestDatabase;
  const redis = createTestRedis();

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
    await redis.clear();
  });

  async function hostApp(globalGuard: boolean): Promise<INestApplication> {
    const env = loadEnv({ ...process.env, DATABASE_URL: database.url, ...UNLIMITED_ADDRESS, ...redis.env });
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClockModule,
        EventsModule.forRoot(env.auth),
        ScheduleModule.forRoot(),
        TypeOrmModule.forRoot(buildDataSourceOptions(env.database.url, entities, env.database)),
        RedisModule.forRoot(env.redis),
        // forRootAsync, as a host app reading its own config service would; EdDSA where the default is ES256.
        KeysModule.forRootAsync({
          useFactory: async () => ({ ...env.keys, algorithm: 'EdDSA', accessTtl: env.auth.accessTtl, databaseUrl: env.database.url }),
        }),
        RateLimitModule.forRoot({ ...env.auth, recovery: env.recovery }),
        UsersModule.forRoot(env.auth),
        ClientsModule.forRoot(env.auth),
        DpopModule.forRoot({ ...env.dpop, issuer: env.auth.issuer }),
        AuthModule.forRoot({ ...env.auth, sessionCookies: env.sessionCookies, corsOrigins: [], globalGuard }),
        NotesModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.register(fastifyCookie);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  }

  async function login(app: INestApplication): Promise<string> {
    const username = `host-${Math.random().toString(36).slice(2, 10)}`;
    await app.get(UsersService).create(username, 'correct horse battery');
    const response = await request(app.getHttpServer()).post('/auth').send({ username, password: 'correct horse battery' }).expect(200);
    return response.body.token.accessToken as string;
  }

  describe('globalGuard: true (this app)', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await hostApp(true);
    });
    afterAll(() => app.close());

    it('guards every route of every module unless it is @Public()', async () => {
      await request(app.getHttpServer()).get('/notes/board').expect(401);
      await request(app.getHttpServer()).get('/me').expect(401);
      await request(app.getHttpServer()).get('/notes/welcome').expect(200, { welcome: true });
      const token = await login(app);
      await request(app.getHttpServer()).get('/notes/board').auth(token, { type: 'bearer' }).expect(200);
    });

    it('takes KeysModule options from forRootAsync: its keys sign with the algorithm the factory gave', async () => {
      const jwks = await request(app.getHttpServer()).get('/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys.map((key: { alg: string }) => key.alg)).toEqual(['EdDSA']);
      const [header] = (await login(app)).split('.');
      expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'EdDSA' });
    });
  });

  describe('globalGuard: false', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await hostApp(false);
    });
    afterAll(() => app.close());

    it('leaves unguarded routes open and guards @UseGuards(AccessTokenGuard) routes', async () => {
      await request(app.getHttpServer()).get('/notes/board').expect(200, { board: true });
      await request(app.getHttpServer()).get('/notes/mine').expect(401);
      await request(app.getHttpServer()).get('/notes/mine').auth('not-a-token', { type: 'bearer' }).expect(401);
      const token = await login(app);
      const mine = await request(app.getHttpServer()).get('/notes/mine').auth(token, { type: 'bearer' }).expect(200);
      expect(mine.body).toEqual({ userId: expect.any(String), devices: 1 });
    });

    it('fails closed on a route of ours that no guard checked: 401, not a 500', async () => {
      await request(app.getHttpServer()).get('/me').expect(401);
      await request(app.getHttpServer()).get('/clients').expect(401);
    });
  });

  describe('docs/architecture.md, "Embedding the modules", quotes what this spec runs', () => {
    const section = readFileSync(GUIDE, 'utf8').split('### Embedding the modules')[1].split('\n## ')[0];
    const modulesOf = (code: string) => new Set(code.match(/\b[A-Z]\w*Module\b/g));

    it('its ts example blocks appear in test/feature-module.example.ts verbatim', () => {
      const example = readFileSync(EXAMPLE, 'utf8');
      const blocks = [...section.matchAll(/```ts example\n([\s\S]*?)```/g)].map((match) => match[1]);
      expect(blocks.length).toBeGreaterThanOrEqual(2);
      for (const block of blocks) expect(example).toContain(block);
    });

    it('its host module lists the modules of hostApp() above, with globalGuard: false', () => {
      const host = section.match(/```ts\n([\s\S]*?export class HostModule[\s\S]*?)```/)![1];
      const spec = readFileSync(__filename, 'utf8').match(/imports: \[([\s\S]*?)\n\s*\],/)![1];
      expect(host).toContain('globalGuard: false');
      expect([...modulesOf(host)].filter((name) => name !== 'HostModule').sort()).toEqual([...modulesOf(spec)].sort());
    });
  });
});
