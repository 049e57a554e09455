import { UNLIMITED_ADDRESS } from './support/app';
import { createTestDatabase, createTestRedis, engineName } from './support/engines';
import { describeRaceConformance } from './support/race-conformance';

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
