import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, ClientsService, CurrentUser, Roles } from '../auth';
import { ClientResponseDto } from '../clients/dto/client.response.dto';
import { ApiErrors } from '../common/api-errors.decorator';
import { ADMIN_ROLE } from '../users/roles';
import { ApplicationsService } from '../oidc/applications.service';
import { ApplicationResponseDto, CreateApplicationDto, UpdateApplicationDto } from '../oidc/dto/application.dto';
import { AdminActor, AuditService } from './audit.service';

/** The applications that sign their users in through us (API.md §13), for admins; every change is audited. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Roles(ADMIN_ROLE)
@Controller('admin/applications')
export class AdminApplicationsController {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly clients: ClientsService,
    private readonly audit: AuditService,
  ) {}

  @ApiOperation({ summary: 'Registers an application; a confidential one gets its clientSecret in this answer only' })
  @ApiErrors(400)
  @Post()
  async create(@CurrentUser() caller: Caller, @Body() body: CreateApplicationDto): Promise<ApplicationResponseDto> {
    const { application, clientSecret } = await this.applications.create(body);
    await this.audit.record(actorOf(caller), 'application.created', null, { clientId: application.clientId, name: application.name });
    return ApplicationsService.view(application, clientSecret);
  }

  @Get()
  async list(): Promise<ApplicationResponseDto[]> {
    return (await this.applications.list()).map((application) => ApplicationsService.view(application));
  }

  @ApiErrors(404)
  @Get(':clientId')
  async get(@Param('clientId') clientId: string): Promise<ApplicationResponseDto> {
    return ApplicationsService.view(await this.applications.get(clientId));
  }

  @ApiOperation({ summary: 'Changes the fields given; the type and the secret never change' })
  @ApiErrors(400, 404)
  @Patch(':clientId')
  async update(
    @CurrentUser() caller: Caller,
    @Param('clientId') clientId: string,
    @Body() body: UpdateApplicationDto,
  ): Promise<ApplicationResponseDto> {
    const application = await this.applications.update(clientId, body);
    await this.audit.record(actorOf(caller), 'application.updated', null, { clientId, fields: Object.keys(body) });
    return ApplicationsService.view(application);
  }

  @ApiOperation({ summary: 'Deletes the application; every session it holds ends (and its back-channel logout is sent)' })
  @ApiErrors(404)
  @Delete(':clientId')
  @HttpCode(204)
  @ApiNoContentResponse()
  async delete(@CurrentUser() caller: Caller, @Param('clientId') clientId: string): Promise<void> {
    const actor = actorOf(caller);
    await this.applications.get(clientId);
    // Its sessions end first, while the application is still there to be told.
    const ended = await this.clients.endForApplication(clientId, 'revoked', { kind: 'admin', userId: caller.userId, clientId: caller.clientId });
    await this.applications.remove(clientId);
    await this.audit.record(actor, 'application.deleted', null, { clientId, endedSessions: ended });
  }

  @ApiOperation({ summary: "The application's live sessions (clients), newest first, at most 100" })
  @ApiErrors(404)
  @Get(':clientId/sessions')
  async sessions(@Param('clientId') clientId: string): Promise<Array<ClientResponseDto & { userId: string }>> {
    await this.applications.get(clientId);
    const clients = await this.clients.listForApplication(clientId, 100);
    return clients.map((client) => ({ ...ClientResponseDto.of(client, ''), userId: client.userId }));
  }
}

function actorOf(caller: Caller): AdminActor {
  return { kind: 'admin', userId: caller.userId, clientId: caller.clientId };
}
