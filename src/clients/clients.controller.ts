import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Controller, Delete, Get, HttpCode, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../common/api-errors.decorator';
import { Clock } from '../common/clock';
import { Caller, CurrentUser } from '../common/current-user.decorator';
import { linkNext } from '../common/keyset-page';
import { ClientsService } from './clients.service';
import { ClientHistoryResponseDto, ClientResponseDto } from './dto/client.response.dto';
import { DEFAULT_PAGE_SIZE, ListClientsQueryDto } from './dto/list-clients.query.dto';

@ApiTags('clients')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('clients')
export class ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly clock: Clock,
  ) {}

  @ApiErrors(400)
  @ApiOkResponse({
    type: [ClientHistoryResponseDto],
    description: 'A page of clients, newest first (the history fields only with `include=ended`)',
    headers: { Link: { description: 'RFC 8288 `<…>; rel="next"`: the next page, present only when more follow', schema: { type: 'string' } } },
  })
  @Get()
  async list(
    @CurrentUser() caller: Caller,
    @Query() query: ListClientsQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientResponseDto[]> {
    const limit = query.limit ? Number(query.limit) : DEFAULT_PAGE_SIZE;
    const includeEnded = query.include === 'ended';
    const page = await this.clients.page(caller.userId, { includeEnded, limit, cursor: query.cursor });
    linkNext(reply, '/clients', page.nextCursor, { ...(includeEnded && { include: 'ended' }), limit: String(limit) });
    if (includeEnded) {
      const now = this.clock.now();
      return page.clients.map((client) => ClientHistoryResponseDto.ofHistory(client, caller.clientId, now));
    }
    return page.clients.map((client) => ClientResponseDto.of(client, caller.clientId));
  }

  /** Log out other devices: ends every client of the caller except the current one. */
  @Delete()
  @HttpCode(204)
  async endOthers(@CurrentUser() caller: Caller): Promise<void> {
    await this.clients.endAllExcept(caller.userId, caller.clientId, 'revoked', { kind: 'user', userId: caller.userId, clientId: caller.clientId });
  }

  /** A malformed id is simply unknown: 404, without a query. */
  @ApiErrors(404)
  @Delete(':id')
  @HttpCode(204)
  async end(@CurrentUser() caller: Caller, @Param('id') id: string): Promise<void> {
    const by = { kind: 'user', userId: caller.userId, clientId: caller.clientId } as const;
    await this.clients.end(caller.userId, id, id === caller.clientId ? 'logout' : 'revoked', by);
  }
}
