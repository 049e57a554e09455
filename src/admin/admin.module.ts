import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { FactorsModule } from '../factors';
import { AdminController } from './admin.controller';
import { AdminUsersService } from './admin-users.service';
import { AuditEvent } from './audit-event.entity';
import { AuditService } from './audit.service';

/** The admin API and its audit trail (API.md §8); nothing else depends on it. */
@Module({
  // AuthModule brings the users, clients and events it is built on (see its exports).
  imports: [TypeOrmModule.forFeature([AuditEvent]), AuthModule, FactorsModule],
  controllers: [AdminController],
  providers: [AdminUsersService, AuditService],
  exports: [AdminUsersService],
})
export class AdminModule {}
