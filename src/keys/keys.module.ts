import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JwksController } from './jwks.controller';
import { KeysScheduler } from './keys-scheduler.service';
import { KeysService } from './keys.service';
import { SigningKey } from './signing-key.entity';

@Module({
  imports: [TypeOrmModule.forFeature([SigningKey])],
  controllers: [JwksController],
  providers: [KeysService, KeysScheduler],
  exports: [KeysService],
})
export class KeysModule {}
