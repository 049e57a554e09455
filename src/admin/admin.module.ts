import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminController } from './admin.controller';
import { AdminUsersService } from './admin-users.service';
import { AuditEvent } from './audit-event.entity';
import { AuditService } from './audit.service';

/** The admin API and its audit trail (API.md §8); nothing else depends on it. */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent])],
  controllers: [AdminController],
  providers: [AdminUsersService, AuditService],
  exports: [AdminUsersService],
})
export class AdminModule {}
