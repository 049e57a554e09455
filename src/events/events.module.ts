import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { SessionEvents } from './session-events.service';

/** The in-process session events (API.md section 9); global, so every feature can emit and listen. */
@Global()
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: true })],
  providers: [SessionEvents],
  exports: [SessionEvents],
})
export class EventsModule {}
