import { Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EventsConfigurableModule } from './events.options';
import { SessionEvents } from './session-events.service';
import { SessionStreamsController } from './session-streams.controller';
import { SessionStreams } from './session-streams.service';

/** The in-process session events (API.md section 9) and the per-device stream; global, so every feature can emit and listen. */
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: true })],
  controllers: [SessionStreamsController],
  providers: [SessionEvents, SessionStreams],
  exports: [SessionEvents],
})
export class EventsModule extends EventsConfigurableModule {}
