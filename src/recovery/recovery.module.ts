import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { EventsModule } from '../events';
import { MailModule } from '../mail';
import { RateLimitModule } from '../rate-limit';
import { UsersModule } from '../users/users.module';
import { RecoveryToken } from './recovery-token.entity';
import { RecoveryTokensService } from './recovery-tokens.service';
import { RecoveryController } from './recovery.controller';
import { RecoveryConfigurableModule } from './recovery.options';
import { RecoveryService } from './recovery.service';

/** Email verification and password reset through mailed single-use links (API.md section 10). */
@Module({
  imports: [TypeOrmModule.forFeature([RecoveryToken]), UsersModule, ClientsModule, MailModule, RateLimitModule, EventsModule],
  controllers: [RecoveryController],
  providers: [RecoveryService, RecoveryTokensService],
  exports: [RecoveryService],
})
export class RecoveryModule extends RecoveryConfigurableModule {}
