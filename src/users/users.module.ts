import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { PasswordHasher } from './password-hasher';
import { UsersService } from './users.service';
import { UsersConfigurableModule } from './users.options';

/** Users and sign-up: `UsersModule.forRoot(options)`; the sign-up limit comes from RateLimitModule. */
@Module({
  imports: [TypeOrmModule.forFeature([User])],
  controllers: [UsersController],
  providers: [UsersService, PasswordHasher],
  exports: [UsersService],
})
export class UsersModule extends UsersConfigurableModule {}
