import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RecoveryToken } from './recovery-token.entity';
import { RecoveryTokensService } from './recovery-tokens.service';
import { RecoveryController } from './recovery.controller';
import { RecoveryConfigurableModule } from './recovery.options';
import { RecoveryService } from './recovery.service';

/** Email verification and password reset through mailed single-use links (API.md section 10). */
@Module({
  imports: [TypeOrmModule.forFeature([RecoveryToken])],
  controllers: [RecoveryController],
  providers: [RecoveryService, RecoveryTokensService],
  exports: [RecoveryService],
})
export class RecoveryModule extends RecoveryConfigurableModule {}
