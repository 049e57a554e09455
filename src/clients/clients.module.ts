import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events';
import { RedisModule } from '../redis/redis.module';
import { Client } from './client.entity';
import { ClientStateCache } from './client-state.cache';
import { ClientsPrunerService } from './clients-pruner.service';
import { ClientsController } from './clients.controller';
import { ClientsRepository } from './clients.repository';
import { ClientsService } from './clients.service';
import { ClientsConfigurableModule } from './clients.options';
import { RefreshTokensService } from './refresh-tokens.service';
import { RevocationNewsService } from './revocation-news.service';

/** Clients (one per device) and refresh-token rotation: `ClientsModule.forRoot(options)`. */
@Module({
  imports: [TypeOrmModule.forFeature([Client]), EventsModule, RedisModule],
  controllers: [ClientsController],
  providers: [ClientsService, ClientsRepository, RefreshTokensService, ClientStateCache, RevocationNewsService, ClientsPrunerService],
  exports: [ClientsService, RefreshTokensService],
})
export class ClientsModule extends ClientsConfigurableModule {}
