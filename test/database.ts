import { DataSource } from 'typeorm';
import { loadEnv } from '../src/config/env';
import { buildDataSourceOptions } from '../src/database/database.options';

/** A fresh in-memory SQLite database built by the real migrations, for service-level specs. */
export async function migratedDataSource(): Promise<DataSource> {
  return new DataSource(buildDataSourceOptions('sqlite::memory:')).initialize();
}

/** The auth settings with defaults, overridable per spec. */
export function authSettings(overrides: Record<string, string> = {}) {
  return loadEnv(overrides).auth;
}
