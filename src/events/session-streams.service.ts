import { BeforeApplicationShutdown, HttpStatus, Inject, Injectable, MessageEvent } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Observable, Subscriber } from 'rxjs';
import { HttpError } from '../common/http-error';
import { EVENTS_OPTIONS, type EventsModuleOptions } from './events.options';
import { SESSION_EVENT_TYPES, SessionEvent } from './session-event';

/** Whose stream: the user, and the client (device) that opened it. */
export interface StreamOwner {
  userId: string;
  clientId: string;
}

/**
 * The per-device event streams of GET /clients/current/events (API.md section 9), in this process:
 * each carries the events of its user, `current` when about the calling client, and a comment every
 * AUTH_EVENT_STREAM_KEEPALIVE; it ends after the calling client's session.ended. Streams are capped
 * per client and per user, so a stolen token cannot hold unbounded connections.
 */
@Injectable()
export class SessionStreams implements BeforeApplicationShutdown {
  private readonly open = new Set<{ owner: StreamOwner; subscriber: Subscriber<MessageEvent> }>();

  constructor(
    private readonly emitter: EventEmitter2,
    @Inject(EVENTS_OPTIONS) private readonly config: EventsModuleOptions,
  ) {}

  /** A new stream for the owner, or 429 past a cap (checked now, before any header is sent). */
  stream(owner: StreamOwner): Observable<MessageEvent> {
    const ofUser = [...this.open].filter((s) => s.owner.userId === owner.userId);
    if (ofUser.filter((s) => s.owner.clientId === owner.clientId).length >= this.config.eventStreamsPerClient) {
      throw tooMany(`At most ${this.config.eventStreamsPerClient} event streams per client`);
    }
    if (ofUser.length >= this.config.eventStreamsPerUser) throw tooMany(`At most ${this.config.eventStreamsPerUser} event streams per user`);
    return new Observable<MessageEvent>((subscriber) => {
      const entry = { owner, subscriber };
      this.open.add(entry);
      const listener = (event: SessionEvent) => {
        if (event.userId !== owner.userId) return;
        const current = event.clientId === owner.clientId;
        subscriber.next({ id: event.id, type: event.type, data: { ...event, current } });
        if (current && event.type === 'session.ended') subscriber.complete();
      };
      for (const type of SESSION_EVENT_TYPES) this.emitter.on(type, listener);
      const keepAlive = setInterval(() => subscriber.next({ comment: '' }), this.config.eventStreamKeepAlive * 1000);
      keepAlive.unref();
      subscriber.next({ comment: 'connected' }); // headers and a first byte now, not at the first event
      return () => {
        clearInterval(keepAlive);
        for (const type of SESSION_EVENT_TYPES) this.emitter.off(type, listener);
        this.open.delete(entry);
      };
    });
  }

  /** Open streams would hold the server's close: they end first. */
  beforeApplicationShutdown(): void {
    for (const { subscriber } of [...this.open]) subscriber.complete();
  }
}

function tooMany(message: string): HttpError {
  return new HttpError(HttpStatus.TOO_MANY_REQUESTS, 'Too Many Requests', message);
}
