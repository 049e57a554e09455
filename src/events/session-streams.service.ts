import { HttpStatus, Inject, Injectable, MessageEvent, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Observable, Subscriber } from 'rxjs';
import { AccessTokenRejectedException } from '../common/access-token-rejected.exception';
import { Clock } from '../common/clock';
import { DrainingFastifyAdapter } from '../common/draining-fastify.adapter';
import { HttpError } from '../common/http-error';
import { EVENTS_OPTIONS, type EventsModuleOptions } from './events.options';
import { SessionRelayService, StreamEvent } from './session-relay.service';

/** Whose stream: the user, the client (device) that opened it, and when the access token that opened it expires. */
export interface StreamOwner {
  userId: string;
  clientId: string;
  /** Epoch seconds: the access token's `exp`. */
  tokenExpiresAt: number;
}

interface OpenStream {
  owner: StreamOwner;
  subscriber: Subscriber<MessageEvent>;
}

/** Events after which none of the user's streams may stay open, whichever client they belong to. */
const ENDS_EVERY_STREAM = (event: StreamEvent) =>
  event.type === 'user.deleted' || (event.type === 'user.disabled' && (event.data as { disabled?: unknown } | null)?.disabled === true);

/**
 * The per-device event streams of GET /clients/current/events (API.md section 9) open on this
 * instance: each carries what the relay delivers for its user (or its client), `current` when about
 * the calling client, and a comment every AUTH_EVENT_STREAM_KEEPALIVE. A stream lasts no longer than
 * what authorised it: it ends after the calling client's session.ended or the user's deletion or
 * disabling, from whichever instance caused it, and at its access token's `exp` (which is also a
 * non-permanent client's deadline); the client then reconnects with a fresh token. The caps per
 * client, per user and per instance count this instance's streams: each bounds its own sockets.
 */
@Injectable()
export class SessionStreamsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly byUser = new Map<string, Set<OpenStream>>();
  private readonly byClient = new Map<string, Set<OpenStream>>();
  private open = 0;
  private readonly stopRelay: () => void;

  constructor(
    relay: SessionRelayService,
    private readonly adapterHost: HttpAdapterHost,
    private readonly clock: Clock,
    @Inject(EVENTS_OPTIONS) private readonly config: EventsModuleOptions,
  ) {
    this.stopRelay = relay.onDelivery((event) => this.deliver(event));
  }

  /** A new stream for the owner, or 429 past a cap (checked now, before any header is sent). */
  stream(owner: StreamOwner): Observable<MessageEvent> {
    const { eventStreamsPerClient: perClient, eventStreamsPerUser: perUser, eventStreamsPerInstance: perInstance } = this.config;
    if ((this.byClient.get(owner.clientId)?.size ?? 0) >= perClient) throw tooMany(`At most ${perClient} event streams per client`);
    if ((this.byUser.get(owner.userId)?.size ?? 0) >= perUser) throw tooMany(`At most ${perUser} event streams per user`);
    if (this.open >= perInstance) throw tooMany('This instance holds as many event streams as it may; try again later');
    // Within the guard's clock tolerance a token may be past its exp: an empty stream would only invite a reconnect loop.
    if (owner.tokenExpiresAt * 1000 <= this.clock.now()) throw new AccessTokenRejectedException('expired', true);
    return new Observable<MessageEvent>((subscriber) => {
      const entry: OpenStream = { owner, subscriber };
      add(this.byUser, owner.userId, entry);
      add(this.byClient, owner.clientId, entry);
      this.open += 1;
      const keepAlive = setInterval(() => this.expired(entry) || subscriber.next({ comment: '' }), this.config.eventStreamKeepAlive * 1000);
      keepAlive.unref();
      // The timer ends it on time; the check before every write (the clock may run ahead of timers) never lets a late event out.
      let expiry: NodeJS.Timeout;
      const endAtExpiry = () => {
        if (this.expired(entry)) return;
        expiry = setTimeout(endAtExpiry, Math.max(1, owner.tokenExpiresAt * 1000 - this.clock.now()));
        expiry.unref();
      };
      endAtExpiry();
      subscriber.next({ comment: 'connected' }); // headers and a first byte now, not at the first event
      return () => {
        clearInterval(keepAlive);
        clearTimeout(expiry);
        remove(this.byUser, owner.userId, entry);
        remove(this.byClient, owner.clientId, entry);
        this.open -= 1;
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
    for (const entry of [...(streams ?? [])]) {
      if (this.expired(entry)) continue;
      const current = event.clientId === entry.owner.clientId;
      entry.subscriber.next({ id: event.id, type: event.type, data: { ...event, current } });
      if ((current && event.type === 'session.ended') || ENDS_EVERY_STREAM(event)) entry.subscriber.complete();
    }
  }

  /** Ends the stream once its access token has expired; true when it has. */
  private expired(entry: OpenStream): boolean {
    if (this.clock.now() < entry.owner.tokenExpiresAt * 1000) return false;
    entry.subscriber.complete();
    return true;
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
