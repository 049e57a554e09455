import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnv } from './src/config/env';
import { buildDataSourceOptions } from './src/database/database.options';
import { entities } from './src/entities';

/** The TypeORM CLI's DataSource (npm run migration:*): DATABASE_URL from the environment and .env, as the app reads it. */
export default new DataSource(buildDataSourceOptions(loadEnv().database.url, entities));
