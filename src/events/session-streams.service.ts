import { HttpStatus, Inject, Injectable, MessageEvent, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Observable, Subscriber } from 'rxjs';
import { DrainingFastifyAdapter } from '../common/draining-fastify.adapter';
import { HttpError } from '../common/http-error';
import { EVENTS_OPTIONS, type EventsModuleOptions } from './events.options';
import { SessionRelayService, StreamEvent } from './session-relay.service';

/** Whose stream: the user, and the client (device) that opened it. */
export interface StreamOwner {
  userId: string;
  clientId: string;
}

interface OpenStream {
  owner: StreamOwner;
  subscriber: Subscriber<MessageEvent>;
}

/**
 * The per-device event streams of GET /clients/current/events (API.md section 9) open on this
 * instance: each carries what the relay delivers for its user (or its client), `current` when about
 * the calling client, and a comment every AUTH_EVENT_STREAM_KEEPALIVE; it ends after the calling
 * client's session.ended, from whichever instance ended it. The caps per client and per user count
 * this instance's streams: each instance bounds its own memory and sockets.
 */
@Injectable()
export class SessionStreamsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly byUser = new Map<string, Set<OpenStream>>();
  private readonly byClient = new Map<string, Set<OpenStream>>();
  private readonly stopRelay: () => void;

  constructor(
    relay: SessionRelayService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(EVENTS_OPTIONS) private readonly config: EventsModuleOptions,
  ) {
    this.stopRelay = relay.onDelivery((event) => this.deliver(event));
  }

  /** A new stream for the owner, or 429 past a cap (checked now, before any header is sent). */
  stream(owner: StreamOwner): Observable<MessageEvent> {
    const { eventStreamsPerClient: perClient, eventStreamsPerUser: perUser } = this.config;
    if ((this.byClient.get(owner.clientId)?.size ?? 0) >= perClient) throw tooMany(`At most ${perClient} event streams per client`);
    if ((this.byUser.get(owner.userId)?.size ?? 0) >= perUser) throw tooMany(`At most ${perUser} event streams per user`);
    return new Observable<MessageEvent>((subscriber) => {
      const entry: OpenStream = { owner, subscriber };
      add(this.byUser, owner.userId, entry);
      add(this.byClient, owner.clientId, entry);
      const keepAlive = setInterval(() => subscriber.next({ comment: '' }), this.config.eventStreamKeepAlive * 1000);
      keepAlive.unref();
      subscriber.next({ comment: 'connected' }); // headers and a first byte now, not at the first event
      return () => {
        clearInterval(keepAlive);
        remove(this.byUser, owner.userId, entry);
        remove(this.byClient, owner.clientId, entry);
      };
    });
  }

  /** The drain waits for in-flight requests, and an open stream is one: they end when it starts. */
  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter as unknown;
    if (adapter instanceof DrainingFastifyAdapter) adapter.onDrain(() => this.closeAll());
  }

  onModuleDestroy(): void {
    this.stopRelay();
    this.closeAll();
  }

  private deliver(event: StreamEvent): void {
    // Session events and toUser notifications name the user; toClient notifications only the client.
    const streams = event.userId !== undefined ? this.byUser.get(event.userId) : this.byClient.get(event.clientId!);
    for (const { owner, subscriber } of [...(streams ?? [])]) {
      const current = event.clientId === owner.clientId;
      subscriber.next({ id: event.id, type: event.type, data: { ...event, current } });
      if (current && event.type === 'session.ended') subscriber.complete();
    }
  }

  private closeAll(): void {
    for (const streams of [...this.byUser.values()]) for (const { subscriber } of [...streams]) subscriber.complete();
  }
}

function add(index: Map<string, Set<OpenStream>>, key: string, entry: OpenStream): void {
  const streams = index.get(key) ?? new Set<OpenStream>();
  index.set(key, streams.add(entry));
}

function remove(index: Map<string, Set<OpenStream>>, key: string, entry: OpenStream): void {
  const streams = index.get(key);
  streams?.delete(entry);
  if (streams?.size === 0) index.delete(key);
}

function tooMany(message: string): HttpError {
  return new HttpError(HttpStatus.TOO_MANY_REQUESTS, 'Too Many Requests', message);
}
