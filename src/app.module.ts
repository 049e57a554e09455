import { Module } from '@nestjs/common';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountPageModule } from './account/account-page.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { ClientsModule } from './clients/clients.module';
import { ClockModule } from './common/clock';
import { EventsModule } from './events';
import { LoggingModule } from './common/logging.module';
import { authConfig, databaseConfig, httpConfig, keysConfig, redisConfig, recoveryConfig, sessionCookiesConfig } from './config/configuration';
import { createDataSource } from './database/data-source';
import { buildDataSourceOptions } from './database/database.options';
import { HealthModule } from './health/health.module';
import { OAuthModule } from './oauth/oauth.module';
import { RecoveryModule } from './recovery/recovery.module';
import { RedisModule } from './redis/redis.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    // ignoreEnvFile: .env is read by loadEnv (config/env-file.ts), the same way for ormconfig.ts.
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [httpConfig, databaseConfig, redisConfig, authConfig, keysConfig, sessionCookiesConfig, recoveryConfig],
    }),
    ClockModule,
    EventsModule,
    LoggingModule,
    ScheduleModule.forRoot(),
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (database: ConfigType<typeof databaseConfig>) => buildDataSourceOptions(database.url, database),
      dataSourceFactory: (options) => createDataSource(options!),
    }),
    RedisModule,
    UsersModule,
    ClientsModule,
    AuthModule,
    OAuthModule,
    AdminModule,
    HealthModule,
    AccountPageModule,
    RecoveryModule,
  ],
})
export class AppModule {}
