import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../mail';
import { RateLimitModule } from '../rate-limit';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { PasswordHasher } from './password-hasher';
import { UserAccountsService } from './user-accounts.service';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), RateLimitModule, MailModule],
  controllers: [UsersController],
  providers: [UsersService, UserAccountsService, PasswordHasher],
  exports: [UsersService, UserAccountsService],
})
export class UsersModule {}
