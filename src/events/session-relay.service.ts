import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { RedisService } from '../redis/redis.service';
import { SESSION_EVENT_TYPES, SessionEvent } from './session-event';

const CHANNEL = 'session-events';
/** Not session.refreshed: it would cost every refresh a Redis publish, and a device has nothing to do about one. */
export const STREAMED_TYPES = SESSION_EVENT_TYPES.filter((type) => type !== 'session.refreshed');

/** What a stream may carry: a session event, or an app notification addressed to a user or to one client. */
export interface StreamEvent {
  id: string;
  type: string;
  occurredAt: string;
  userId?: string;
  clientId?: string;
  data: unknown;
}

/**
 * Carries stream events to the streams of every instance. The instance that caused an event hands it
 * to its own streams at once and publishes it on one Redis channel; the others deliver what they hear,
 * and each skips its own messages (by instance id), so no stream sees an event twice. Without Redis,
 * or while it is down, events stay on the instance that caused them. Nothing is stored.
 */
@Injectable()
export class SessionRelayService implements OnModuleInit {
  private readonly instanceId = randomUUID();
  private readonly handlers = new Set<(event: StreamEvent) => void>();

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly redis: RedisService,
  ) {}

  onModuleInit(): void {
    for (const type of STREAMED_TYPES) this.emitter.on(type, (event: SessionEvent) => this.send(event));
    this.redis.subscribe(CHANNEL, (message) => this.received(message));
  }

  /** Delivers here now and, through Redis when there is one, on the other instances. */
  send(event: StreamEvent): void {
    this.deliver(event);
    if (!this.redis.client) return;
    // A stalled or absent Redis must not slow the request that caused the event.
    this.redis.publish(CHANNEL, JSON.stringify({ from: this.instanceId, event })).catch(() => undefined);
  }

  /** Calls `handler` for every event delivered on this instance; returns the unsubscribe. */
  onDelivery(handler: (event: StreamEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  private received(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return; // not ours
    }
    const { from, event } = (parsed ?? {}) as { from?: unknown; event?: Partial<StreamEvent> };
    if (from === this.instanceId || !isStreamEvent(event)) return;
    this.deliver(event);
  }

  private deliver(event: StreamEvent): void {
    for (const handler of this.handlers) handler(event);
  }
}

function isStreamEvent(event: Partial<StreamEvent> | undefined): event is StreamEvent {
  return (
    typeof event?.id === 'string' &&
    typeof event.type === 'string' &&
    typeof event.occurredAt === 'string' &&
    (typeof event.userId === 'string' || typeof event.clientId === 'string')
  );
}
