import { registerAs } from '@nestjs/config';
import { loadEnv } from './env';

/* Typed namespaces: services inject `@Inject(authConfig.KEY) config: ConfigType<typeof authConfig>`. */
export const httpConfig = registerAs('http', () => loadEnv().http);
export const databaseConfig = registerAs('database', () => loadEnv().database);
export const authConfig = registerAs('auth', () => loadEnv().auth);
export const keysConfig = registerAs('keys', () => loadEnv().keys);
export const redisConfig = registerAs('redis', () => loadEnv().redis);
export const sessionCookiesConfig = registerAs('sessionCookies', () => loadEnv().sessionCookies);
export const recoveryConfig = registerAs('recovery', () => loadEnv().recovery);
