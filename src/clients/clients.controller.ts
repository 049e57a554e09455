import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { Caller, CurrentUser } from '../common/current-user.decorator';
import { ClientsService } from './clients.service';
import { ClientHistoryResponseDto, ClientResponseDto } from './dto/client.response.dto';
import { ListClientsQueryDto } from './dto/list-clients.query.dto';

@ApiTags('clients')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('clients')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @ApiErrors(400)
  @Get()
  async list(@CurrentUser() caller: Caller, @Query() query: ListClientsQueryDto): Promise<ClientResponseDto[]> {
    if (query.include === 'ended') {
      const clients = await this.clients.list(caller.userId, true);
      return clients.map((client) => ClientHistoryResponseDto.ofHistory(client, caller.clientId));
    }
    const clients = await this.clients.list(caller.userId);
    return clients.map((client) => ClientResponseDto.of(client, caller.clientId));
  }

  /** Log out other devices: ends every client of the caller except the current one. */
  @Delete()
  @HttpCode(204)
  async endOthers(@CurrentUser() caller: Caller): Promise<void> {
    await this.clients.endAllExcept(caller.userId, caller.clientId, 'revoked');
  }

  @ApiErrors(404)
  @Delete(':id')
  @HttpCode(204)
  async end(@CurrentUser() caller: Caller, @Param('id') id: string): Promise<void> {
    await this.clients.end(caller.userId, id, id === caller.clientId ? 'logout' : 'revoked');
  }
}
