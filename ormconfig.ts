import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnv } from './src/config/env';
import { buildDataSourceOptions } from './src/database/database.options';

/** The TypeORM CLI's DataSource (npm run migration:*), built like the app's from DATABASE_URL. */
export default new DataSource(buildDataSourceOptions(loadEnv().database.url));
