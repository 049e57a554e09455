import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { Client } from '../../src/clients/client.entity';
import { ClientStateCache } from '../../src/clients/client-state.cache';
import { ClientsRepository } from '../../src/clients/clients.repository';
import { Clock } from '../../src/common/clock';
import { controlClock } from './clock';
import { ClientsService } from '../../src/clients/clients.service';
import { RefreshTokensService } from '../../src/clients/refresh-tokens.service';
import { RevocationNewsService } from '../../src/clients/revocation-news.service';
import { RedisService } from '../../src/redis/redis.service';
import { SessionEventsService } from '../../src/events';
import { createTestDatabase } from './engines';
import { loadEnv } from '../../src/config/env';
import { buildDataSourceOptions } from '../../src/database/database.options';
import { entities } from '../../src/entities';

/**
 * A fresh database built by the real migrations, for service-level specs: SQLite in memory, or its
 * own PostgreSQL database under npm run test:postgres (dropped by destroy()).
 */
export async function migratedDataSource(): Promise<DataSource> {
  const database = await createTestDatabase();
  const dataSource = await new DataSource(buildDataSourceOptions(database.url, entities)).initialize();
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    await destroy();
    await database.drop();
  };
  return dataSource;
}

/** The auth settings with defaults, overridable per spec. */
export function authSettings(overrides: Record<string, string> = {}) {
  return loadEnv(overrides).auth;
}

/** The clients services wired by hand on a data source, as the ClientsModule wires them. */
export function clientsServices(dataSource: DataSource, overrides: Record<string, string> = {}) {
  const config = authSettings(overrides);
  const cache = new ClientStateCache(config);
  const news = new RevocationNewsService(new RedisService({ url: null, keyPrefix: 'spec:' }), cache);
  const clock = new Clock();
  const repository = dataSource.getRepository(Client);
  const statements = new ClientsRepository(repository);
  const events = new SessionEventsService(new EventEmitter2(), clock);
  const clients = new ClientsService(repository, statements, cache, news, clock, config, events);
  const refreshTokens = new RefreshTokensService(repository, statements, clients, cache, clock, config, events);
  return { clients, refreshTokens, statements, cache, events, clock: controlClock(clock) };
}
