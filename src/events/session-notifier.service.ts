import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock';
import { SessionRelayService } from './session-relay.service';

/** App-defined types live under `app.`, so they never collide with the session events of API.md section 9. */
export const APP_EVENT_TYPE = /^app\.[a-z0-9][a-z0-9._-]{0,63}$/;
/** A notification is a nudge, not a document: it crosses Redis to every instance. */
export const APP_EVENT_MAX_BYTES = 16 * 1024;

/**
 * Notifications for feature modules: an app-defined event to the open streams of one client or of
 * every client of a user, on every instance (through the same relay as the session events). Never
 * stored: a device without an open stream misses it. Callers must put no secret in `data`.
 */
@Injectable()
export class SessionNotifierService {
  constructor(
    private readonly relay: SessionRelayService,
    private readonly clock: Clock,
  ) {}

  toClient(clientId: string, type: string, data: unknown): void {
    this.send({ clientId }, type, data);
  }

  toUser(userId: string, type: string, data: unknown): void {
    this.send({ userId }, type, data);
  }

  private send(target: { userId: string } | { clientId: string }, type: string, data: unknown): void {
    if (!APP_EVENT_TYPE.test(type)) throw new Error(`A notification type must match ${APP_EVENT_TYPE.source}: ${type}`);
    const json = JSON.stringify(data ?? null);
    if (Buffer.byteLength(json) > APP_EVENT_MAX_BYTES) throw new Error(`A notification's data must stay under ${APP_EVENT_MAX_BYTES} bytes`);
    // Through JSON, so this instance's streams see exactly what the others get from Redis.
    this.relay.send({ id: randomUUID(), type, occurredAt: new Date(this.clock.now()).toISOString(), ...target, data: JSON.parse(json) as unknown });
  }
}
