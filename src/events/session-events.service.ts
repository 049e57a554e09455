import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock';
import { SessionEvent, SessionEventData, SessionEventType } from './session-event';

/**
 * Emits the typed session events in the process (`@OnEvent('session.ended')` in a feature module).
 * Listeners run after the cause has been stored; a listener's error never fails the request.
 */
@Injectable()
export class SessionEvents {
  constructor(
    private readonly emitter: EventEmitter2,
    private readonly clock: Clock,
  ) {}

  emit<T extends SessionEventType>(type: T, userId: string, data: SessionEventData[T], clientId?: string): SessionEvent<T> | null {
    // session.refreshed is on the refresh hot path: built only when someone listens.
    if (type === 'session.refreshed' && !this.emitter.hasListeners(type)) return null;
    const event: SessionEvent<T> = {
      id: randomUUID(),
      type,
      occurredAt: new Date(this.clock.now()).toISOString(),
      userId,
      ...(clientId !== undefined && { clientId }),
      data,
    };
    this.emitter.emit(type, event);
    return event;
  }
}
