import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RedisService } from '../src/redis/redis.service';
import { startApp, tempDatabase } from './support/app';

/** Throws once the database is connected, as a service that rejects its options would. */
@Injectable()
class UnbuildableOnceConnected {
  constructor(_dataSource: DataSource) {
    throw new Error('this feature cannot be built');
  }
}

/** Throws at once, while the other modules are still being built (the database may be connecting). */
@Injectable()
class Unbuildable {
  constructor() {
    throw new Error('this feature cannot be built');
  }
}

@Module({ providers: [UnbuildableOnceConnected] })
class UnbuildableOnceConnectedModule {}

@Module({ providers: [Unbuildable] })
class UnbuildableModule {}

async function closedWithin(ms: number, isClosed: () => boolean): Promise<boolean> {
  for (const end = Date.now() + ms; !isClosed() && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 20));
  return isClosed();
}

// NestFactory.create throws without an app to close: left open, the PostgreSQL pool and the Redis
// connection would keep the process (a test run, the CLI) alive after a failed start.
describe('a start that fails while the app is built', () => {
  let connect: jest.SpyInstance;
  let quitRedis: jest.SpyInstance;
  beforeEach(() => {
    connect = jest.spyOn(DataSource.prototype, 'initialize');
    quitRedis = jest.spyOn(RedisService.prototype, 'onApplicationShutdown');
  });
  afterEach(() => jest.restoreAllMocks());

  it('closes the database and Redis connections it had opened', async () => {
    await expect(startApp({}, [UnbuildableOnceConnectedModule])).rejects.toThrow('this feature cannot be built');
    expect(connect).toHaveBeenCalledTimes(1);
    expect((connect.mock.contexts[0] as DataSource).isInitialized).toBe(false);
    expect(quitRedis).toHaveBeenCalledTimes(1);
  });

  it('closes a database connection that completes after the failure', async () => {
    // A database of the test's own, kept until the connection is closed: startApp would drop its own
    // at once, and on PostgreSQL drop it under the connection's migrations.
    const database = await tempDatabase();
    try {
      await expect(startApp({ DATABASE_URL: database.url }, [UnbuildableModule])).rejects.toThrow('this feature cannot be built');
      expect(connect).toHaveBeenCalledTimes(1);
      const dataSource = connect.mock.contexts[0] as DataSource;
      await connect.mock.results[0].value; // connected, before or after the failure
      await expect(closedWithin(5_000, () => !dataSource.isInitialized)).resolves.toBe(true);
      expect(quitRedis).toHaveBeenCalledTimes(1);
    } finally {
      await database.drop();
    }
  });
});
