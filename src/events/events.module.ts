import { Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { RedisModule } from '../redis/redis.module';
import { EventsConfigurableModule } from './events.options';
import { SessionEventsService } from './session-events.service';
import { SessionNotifierService } from './session-notifier.service';
import { SessionRelayService } from './session-relay.service';
import { SessionStreamsController } from './session-streams.controller';
import { SessionStreamsService } from './session-streams.service';

/**
 * The session events (API.md section 9), the per-device stream with its relay across instances, and
 * app notifications: `EventsModule.forRoot(options)`, imported by whoever emits or notifies.
 */
@Module({
  // EventEmitterModule is global: @OnEvent listeners in any module hear what SessionEventsService emits.
  imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: true }), RedisModule],
  controllers: [SessionStreamsController],
  providers: [SessionEventsService, SessionRelayService, SessionStreamsService, SessionNotifierService],
  exports: [SessionEventsService, SessionNotifierService],
})
export class EventsModule extends EventsConfigurableModule {}
