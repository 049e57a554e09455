import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Controller, MessageEvent, Query, Sse } from '@nestjs/common';
import { Observable } from 'rxjs';
// Straight from its file, not the auth barrel: that barrel re-exports this module (a cycle at load time).
import { OriginChecked } from '../common/origin-checked.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import { Caller, CurrentUser } from '../common/current-user.decorator';
import { SessionStreamsService } from './session-streams.service';
import { StreamQueryDto } from './stream-query.dto';

@ApiTags('clients')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('clients/current')
export class SessionStreamsController {
  constructor(private readonly streams: SessionStreamsService) {}

  @ApiOperation({
    summary:
      'Server-Sent Events: the session events of the caller’s user, `current` when about this client; ends when it ends, and at the access token’s exp',
  })
  @ApiErrors(400, 403, 429)
  @OriginChecked() // a cross-site page must not hold the victim's stream slots with their cookie
  @Sse('events')
  events(@CurrentUser() caller: Caller, @Query() _query: StreamQueryDto): Observable<MessageEvent> {
    return this.streams.stream(caller);
  }
}
