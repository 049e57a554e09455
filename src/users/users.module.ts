import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events';
import { RateLimitModule } from '../rate-limit';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { PasswordHasher } from './password-hasher';
import { UserAccountsService } from './user-accounts.service';
import { UsersService } from './users.service';
import { UsersConfigurableModule } from './users.options';

/** Users and sign-up: `UsersModule.forRoot(options)`; the sign-up limit comes from RateLimitModule. */
@Module({
  imports: [TypeOrmModule.forFeature([User]), EventsModule, RateLimitModule],
  controllers: [UsersController],
  providers: [UsersService, UserAccountsService, PasswordHasher],
  exports: [UsersService, UserAccountsService],
})
export class UsersModule extends UsersConfigurableModule {}
