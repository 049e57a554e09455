import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeysService } from './keys.service';
import { SigningKey } from './signing-key.entity';

@Module({
  imports: [TypeOrmModule.forFeature([SigningKey])],
  providers: [KeysService],
  exports: [KeysService],
})
export class KeysModule {}
