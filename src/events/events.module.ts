import { Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EventsConfigurableModule } from './events.options';
import { SessionEvents } from './session-events.service';
import { SessionNotifier } from './session-notifier.service';
import { SessionRelay } from './session-relay.service';
import { SessionStreamsController } from './session-streams.controller';
import { SessionStreams } from './session-streams.service';

/** The session events (API.md section 9), the per-device stream with its relay across instances, and app notifications; global, so every feature can emit and listen. */
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: true })],
  controllers: [SessionStreamsController],
  providers: [SessionEvents, SessionRelay, SessionStreams, SessionNotifier],
  exports: [SessionEvents, SessionNotifier],
})
export class EventsModule extends EventsConfigurableModule {}
