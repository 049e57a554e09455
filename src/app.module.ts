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
 * options here. No module reads process.env or another module's options.
 */
@Module({})
export class AppModule {
  static forRoot(env: Env): DynamicModule {
    const { auth, database, http } = env;
    return {
      module: AppModule,
      imports: [
        ClockModule,
        EventsModule.forRoot(auth),
        MailModule.forRoot(env.recovery),
        LoggingModule.forRoot({ level: http.logLevel }),
        ScheduleModule.forRoot(),
        TypeOrmModule.forRootAsync({
          useFactory: () => buildDataSourceOptions(database.url, entities, database),
          dataSourceFactory: (options) => createDataSource(options!),
        }),
        RedisModule.forRoot(env.redis),
        KeysModule.forRoot({ ...env.keys, accessTtl: auth.accessTtl, databaseUrl: database.url }),
        RateLimitModule.forRoot({ ...auth, recovery: env.recovery }),
        UsersModule.forRoot(auth),
        ClientsModule.forRoot(auth),
        AuthModule.forRoot({ ...auth, sessionCookies: env.sessionCookies, corsOrigins: http.corsOrigins, globalGuard: true }),
        OAuthModule.forRoot(auth),
        AdminModule,
        HealthModule,
        AccountPageModule,
        RecoveryModule.forRoot(env.recovery),
        WebhooksModule.forRoot(env.webhooks),
      ],
    };
  }
}
