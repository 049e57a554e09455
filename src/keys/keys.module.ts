import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JwksController } from './jwks.controller';
import { KeysSchedulerService } from './keys-scheduler.service';
import { KeysService } from './keys.service';
import { KeysConfigurableModule } from './keys.options';
import { SigningKey } from './signing-key.entity';

/** The signing keys and the JWKS: `KeysModule.forRoot(options)`. */
@Module({
  imports: [TypeOrmModule.forFeature([SigningKey])],
  controllers: [JwksController],
  providers: [KeysService, KeysSchedulerService],
  exports: [KeysService],
})
export class KeysModule extends KeysConfigurableModule {}
