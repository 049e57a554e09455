import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Controller, MessageEvent, Sse } from '@nestjs/common';
import { Observable } from 'rxjs';
import { ApiErrors } from '../common/api-errors.decorator';
import { Caller, CurrentUser } from '../common/current-user.decorator';
import { SessionStreamsService } from './session-streams.service';

@ApiTags('clients')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('clients/current')
export class SessionStreamsController {
  constructor(private readonly streams: SessionStreamsService) {}

  @ApiOperation({ summary: 'Server-Sent Events: the session events of the caller’s user, `current` when about this client; ends when it ends' })
  @Sse('events')
  events(@CurrentUser() caller: Caller): Observable<MessageEvent> {
    return this.streams.stream(caller);
  }
}
