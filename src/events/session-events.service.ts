import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock';
import { SessionEvent, SessionEventData, SessionEventType } from './session-event';

/** A sink that must hold the event before the request that caused it answers (the webhook outbox). */
export interface DurableEventSink {
  wants(type: SessionEventType): boolean;
  store(event: SessionEvent): Promise<void>;
}

/**
 * Emits the typed session events in the process (`@OnEvent('session.ended')` in a feature module).
 * Callers emit after the cause has been stored and await the durable sinks: a sink's failure fails
 * the request (the event would be lost otherwise). A listener's error, thrown or rejected, is logged
 * and never fails the request nor keeps the other listeners from hearing the event.
 */
@Injectable()
export class SessionEventsService {
  private readonly logger = new Logger(SessionEventsService.name);
  private readonly sinks: DurableEventSink[] = [];

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly clock: Clock,
  ) {}

  addDurableSink(sink: DurableEventSink): void {
    this.sinks.push(sink);
  }

  async emit<T extends SessionEventType>(type: T, userId: string, data: SessionEventData[T], clientId?: string): Promise<SessionEvent<T> | null> {
    const listeners = this.emitter.listeners(type);
    const sinks = this.sinks.filter((sink) => sink.wants(type));
    // session.refreshed is on the refresh hot path: built only when someone listens or stores it.
    if (type === 'session.refreshed' && listeners.length === 0 && sinks.length === 0) return null;
    const event: SessionEvent<T> = {
      id: randomUUID(),
      type,
      occurredAt: new Date(this.clock.now()).toISOString(),
      userId,
      ...(clientId !== undefined && { clientId }),
      data,
    };
    for (const sink of sinks) await sink.store(event);
    for (const listener of listeners) {
      try {
        const result: unknown = listener.call(this.emitter, event);
        if (result instanceof Promise) result.catch((error: unknown) => this.listenerFailed(type, error));
      } catch (error) {
        this.listenerFailed(type, error);
      }
    }
    return event;
  }

  private listenerFailed(type: SessionEventType, error: unknown): void {
    this.logger.error(`a listener of ${type} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
