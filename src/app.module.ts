import { Module } from '@nestjs/common';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth/auth.module';
import { ClientsModule } from './clients/clients.module';
import { ClockModule } from './common/clock';
import { LoggingModule } from './common/logging.module';
import { authConfig, databaseConfig, httpConfig, keysConfig, redisConfig } from './config/configuration';
import { createDataSource } from './database/data-source';
import { buildDataSourceOptions } from './database/database.options';
import { HealthModule } from './health/health.module';
import { RedisModule } from './redis/redis.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [httpConfig, databaseConfig, redisConfig, authConfig, keysConfig] }),
    ClockModule,
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
    HealthModule,
  ],
})
export class AppModule {}
