import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountPageModule } from './account/account-page.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth';
import { ClientsModule } from './clients/clients.module';
import { ClockModule } from './common/clock';
import { LoggingModule } from './common/logging.module';
import type { Env } from './config/env';
import { createDataSource } from './database/data-source';
import { buildDataSourceOptions } from './database/database.options';
import { entities } from './entities';
import { EventsModule, WebhooksModule } from './events';
import { FactorsModule } from './factors';
import { HealthModule } from './health/health.module';
import { KeysModule } from './keys/keys.module';
import { MailModule } from './mail';
import { OAuthModule } from './oauth/oauth.module';
import { RecoveryModule } from './recovery/recovery.module';
import { RateLimitModule } from './rate-limit';
import { RedisModule } from './redis/redis.module';
import { UsersModule } from './users/users.module';

/**
 * The shell: the environment, read once and validated (config/env.ts), becomes each module's
 * options here, holding only what that module reads. No module reads process.env or another
 * module's options. Global, because everything uses them: the clock, the logger, the database, the
 * scheduler (and the event emitter, through EventsModule). Every other module is imported where it is used.
 */
@Module({})
export class AppModule {
  static forRoot(env: Env): DynamicModule {
    const { auth, database, http, recovery } = env;
    return {
      module: AppModule,
      imports: [
        ClockModule,
        LoggingModule.forRoot({ level: http.logLevel }),
        ScheduleModule.forRoot(),
        TypeOrmModule.forRootAsync({
          useFactory: () => buildDataSourceOptions(database.url, entities, database),
          dataSourceFactory: (options) => createDataSource(options!),
        }),
        RedisModule.forRoot(env.redis),
        EventsModule.forRoot(pick(auth, ['eventStreamsPerClient', 'eventStreamsPerUser', 'eventStreamsPerInstance', 'eventStreamKeepAlive'])),
        MailModule.forRoot(pick(recovery, ['smtpUrl', 'smtpFrom', 'mailFolder'])),
        KeysModule.forRoot({ ...env.keys, accessTtl: auth.accessTtl, databaseUrl: database.url }),
        RateLimitModule.forRoot({
          ...pick(auth, [...LOGIN_LIMITS, 'signupMaxPerAddress', 'signupWindow', 'refreshMaxPerMinute', 'issuer', 'cookieSecure']),
          recovery: pick(recovery, ['window', 'maxPerAddress', 'maxPerAccount']),
        }),
        UsersModule.forRoot(pick(auth, ['signup'])),
        ClientsModule.forRoot(pick(auth, [...SESSION_LIFETIMES, 'accessTtl', 'pruneInterval', 'maxClientsPerUser'])),
        AuthModule.forRoot({
          ...pick(auth, [...SESSION_LIFETIMES, ...LOGIN_LIMITS, 'issuer', 'audience', 'accessTtl', 'signup', 'reauthMaxAge', 'openScopes']),
          sessionCookies: env.sessionCookies,
          corsOrigins: http.corsOrigins,
          mfaRequiredRoles: auth.mfaRequiredRoles,
          globalGuard: true,
        }),
        FactorsModule.forRoot(env.factors),
        OAuthModule.forRoot(pick(auth, ['issuer', 'introspectionSecret', 'oauthPasswordGrant', 'openScopes'])),
        RecoveryModule.forRoot(pick(recovery, ['publicUrl', 'resetTtl', 'emailVerifyTtl'])),
        WebhooksModule.forRoot(env.webhooks),
        AdminModule,
        HealthModule,
        AccountPageModule,
      ],
    };
  }
}

const SESSION_LIFETIMES = ['refreshIdleTtl', 'refreshAbsoluteTtl', 'refreshGrace', 'clientCacheTtl', 'clientRetention'] as const;
const LOGIN_LIMITS = [
  'loginWindow',
  'loginMaxFailuresPerUserAddress',
  'loginMaxFailuresPerUser',
  'loginMaxFailuresPerDevice',
  'loginMaxFailuresPerAddress',
  'loginMaxSuccessesPerAddress',
] as const;

/** Only these fields of an env slice: a module is given what it reads, not the whole slice. */
function pick<Slice extends object, Field extends keyof Slice>(slice: Slice, fields: readonly Field[]): Pick<Slice, Field> {
  return Object.fromEntries(fields.map((field) => [field, slice[field]])) as Pick<Slice, Field>;
}
