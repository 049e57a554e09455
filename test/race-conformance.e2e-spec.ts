import { UNLIMITED_ADDRESS } from './app';
import { createTestDatabase, createTestRedis, engineName } from './engines';
import { describeRaceConformance } from './race-conformance';

describeRaceConformance(engineName, async () => {
  const database = await createTestDatabase({ shared: true });
  const redis = createTestRedis();
  return {
    env: { DATABASE_URL: database.url, LOG_LEVEL: 'silent', ...UNLIMITED_ADDRESS, ...redis.env },
    cleanup: async () => {
      await database.drop();
      await redis.clear();
    },
  };
});
