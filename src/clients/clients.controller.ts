import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { Caller, CurrentUser } from '../common/current-user.decorator';
import { ClientsService } from './clients.service';
import { ClientResponseDto } from './dto/client.response.dto';

@Controller('clients')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Get()
  async list(@CurrentUser() caller: Caller): Promise<ClientResponseDto[]> {
    const clients = await this.clients.listActive(caller.userId);
    return clients.map((client) => ClientResponseDto.of(client, caller.clientId));
  }

  /** Log out other devices: ends every client of the caller except the current one. */
  @Delete()
  @HttpCode(204)
  async endOthers(@CurrentUser() caller: Caller): Promise<void> {
    await this.clients.endAllExcept(caller.userId, caller.clientId, 'revoked');
  }

  @Delete(':id')
  @HttpCode(204)
  async end(@CurrentUser() caller: Caller, @Param('id') id: string): Promise<void> {
    await this.clients.end(caller.userId, id, id === caller.clientId ? 'logout' : 'revoked');
  }
}
