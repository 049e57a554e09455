import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiNoContentResponse } from '@nestjs/swagger';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Caller, CurrentUser, Roles } from '../auth';
import { ClientHistoryResponseDto, ClientResponseDto } from '../clients/dto/client.response.dto';
import { ApiErrors } from '../common/api-errors.decorator';
import { Clock } from '../common/clock';
import { linkNext } from '../common/keyset-page';
import { FactorsService } from '../factors';
import { ADMIN_ROLE } from '../users/roles';
import { AdminUsersService } from './admin-users.service';
import { AdminActor, AuditService } from './audit.service';
import { AdminUserResponseDto } from './dto/admin-user.response.dto';
import { AuditEventResponseDto } from './dto/audit-event.response.dto';
import { ListUserClientsQueryDto } from './dto/list-user-clients.query.dto';
import { ListUsersQueryDto } from './dto/list-users.query.dto';
import { DEFAULT_PAGE_SIZE, PageQueryDto } from './dto/page.query.dto';
import { SetPasswordDto } from './dto/set-password.dto';
import { UpdateUserDto } from './dto/update-user.dto';

const NEXT_LINK = { Link: { description: 'RFC 8288 `<…>; rel="next"`, present only when more follow', schema: { type: 'string' } } };

/** API.md §8: users and their sessions, for callers with the `admin` role. Every change is audited. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Roles(ADMIN_ROLE)
@Controller('admin')
export class AdminController {
  constructor(
    private readonly admin: AdminUsersService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly factors: FactorsService,
  ) {}

  @ApiOperation({ summary: 'Users, newest first, optionally whose name contains `query`' })
  @ApiOkResponse({ type: [AdminUserResponseDto], headers: NEXT_LINK })
  @ApiErrors(400)
  @Get('users')
  async users(@Query() query: ListUsersQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<AdminUserResponseDto[]> {
    const limit = pageSize(query);
    const page = await this.admin.page({ query: query.query, limit, cursor: query.cursor });
    linkNext(reply, '/admin/users', page.nextCursor, { ...(query.query && { query: query.query }), limit: String(limit) });
    return page.users.map((user) => AdminUserResponseDto.of(user));
  }

  @ApiOkResponse({ type: AdminUserResponseDto })
  @ApiErrors(404)
  @Get('users/:id')
  async user(@Param('id') id: string): Promise<AdminUserResponseDto> {
    return AdminUserResponseDto.of(await this.admin.view(id));
  }

  @ApiOperation({
    summary:
      'Set roles (replacing them), disable (every client ends) or enable; only the fields given are written; 409 `last_admin` would leave no enabled admin; 403 once the caller is no longer an enabled admin',
  })
  @ApiOkResponse({ type: AdminUserResponseDto })
  @ApiErrors(400, 404, 409)
  @Patch('users/:id')
  async update(@CurrentUser() caller: Caller, @Param('id') id: string, @Body() body: UpdateUserDto): Promise<AdminUserResponseDto> {
    return AdminUserResponseDto.of(await this.admin.change(actorOf(caller), id, body));
  }

  @ApiOperation({ summary: 'Set the password; every client of the user ends' })
  @ApiErrors(400, 404)
  @Post('users/:id/password')
  @HttpCode(204)
  @ApiNoContentResponse()
  async setPassword(@CurrentUser() caller: Caller, @Param('id') id: string, @Body() body: SetPasswordDto): Promise<void> {
    await this.admin.setPassword(actorOf(caller), id, body.newPassword);
  }

  @ApiOperation({ summary: 'Delete the user and every client; 409 `last_admin` for the last enabled admin' })
  @ApiErrors(404, 409)
  @Delete('users/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async delete(@CurrentUser() caller: Caller, @Param('id') id: string): Promise<void> {
    await this.admin.delete(actorOf(caller), id);
  }

  @ApiOperation({ summary: "The user's clients as GET /clients shows them (`current` is always false)" })
  @ApiOkResponse({ type: [ClientHistoryResponseDto], headers: NEXT_LINK })
  @ApiErrors(400, 404)
  @Get('users/:id/clients')
  async clients(
    @Param('id') id: string,
    @Query() query: ListUserClientsQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientResponseDto[]> {
    const limit = pageSize(query);
    const includeEnded = query.include === 'ended';
    const page = await this.admin.clientsOf(id, { includeEnded, limit, cursor: query.cursor });
    linkNext(reply, `/admin/users/${id}/clients`, page.nextCursor, { ...(includeEnded && { include: 'ended' }), limit: String(limit) });
    const now = this.clock.now();
    return page.clients.map((client) => (includeEnded ? ClientHistoryResponseDto.ofHistory(client, '', now) : ClientResponseDto.of(client, '')));
  }

  @ApiErrors(404)
  @Delete('users/:id/clients/:clientId')
  @HttpCode(204)
  @ApiNoContentResponse()
  async endClient(@CurrentUser() caller: Caller, @Param('id') id: string, @Param('clientId') clientId: string): Promise<void> {
    await this.admin.endClient(actorOf(caller), id, clientId);
  }

  @ApiErrors(404)
  @Delete('users/:id/clients')
  @HttpCode(204)
  @ApiNoContentResponse()
  async endClients(@CurrentUser() caller: Caller, @Param('id') id: string): Promise<void> {
    await this.admin.endClients(actorOf(caller), id);
  }

  @ApiOperation({ summary: 'Remove every second factor and recovery code of the user (a lost phone); audited, and the user is mailed a notice' })
  @ApiErrors(404)
  @Delete('users/:id/factors')
  @HttpCode(204)
  @ApiNoContentResponse()
  async resetFactors(@CurrentUser() caller: Caller, @Param('id') id: string): Promise<void> {
    const removed = await this.factors.resetAll(id, actorOf(caller));
    await this.audit.record(actorOf(caller), 'user.factors_reset', id, removed);
  }

  @ApiOperation({ summary: 'The audit trail: every admin action, newest first' })
  @ApiOkResponse({ type: [AuditEventResponseDto], headers: NEXT_LINK })
  @ApiErrors(400)
  @Get('audit')
  async auditTrail(@Query() query: PageQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<AuditEventResponseDto[]> {
    const limit = pageSize(query);
    const page = await this.audit.page(limit, query.cursor);
    linkNext(reply, '/admin/audit', page.nextCursor, { limit: String(limit) });
    return page.events.map((event) => AuditEventResponseDto.of(event));
  }
}

function actorOf(caller: Caller): AdminActor {
  return { kind: 'admin', userId: caller.userId, clientId: caller.clientId };
}

function pageSize(query: PageQueryDto): number {
  return query.limit ? Number(query.limit) : DEFAULT_PAGE_SIZE;
}
