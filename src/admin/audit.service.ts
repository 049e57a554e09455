import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { afterCursor, keysetPage } from '../common/keyset-page';
import { AuditEvent } from './audit-event.entity';

/** Who acts through the admin API (an admin on one of their clients) or the CLI. */
export type AdminActor = { kind: 'admin'; userId: string; clientId: string } | { kind: 'cli' };

export type AuditAction =
  | 'user.roles_changed'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.password_set'
  | 'user.deleted'
  | 'client.ended'
  | 'clients.ended'
  /** DELETE /admin/users/:id/factors (API.md §11). */
  | 'user.factors_reset';

export interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

/** The audit trail: a row per admin action, and the same facts in the log. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    private readonly clock: Clock,
  ) {}

  async record(actor: AdminActor, action: AuditAction, targetUserId: string, details: Record<string, unknown> = {}): Promise<void> {
    const event: AuditEvent = {
      id: randomUUID(),
      at: new Date(this.clock.now()),
      actor: actor.kind,
      actorUserId: actor.kind === 'admin' ? actor.userId : null,
      actorClientId: actor.kind === 'admin' ? actor.clientId : null,
      action,
      targetUserId,
      details: JSON.stringify(details),
    };
    await this.events.insert(event);
    this.logger.log({ audit: { ...event, details } }, `admin action ${action}`);
  }

  /** Newest first, `limit` at a time, from the previous page's opaque cursor. */
  async page(limit: number, cursor?: string): Promise<AuditPage> {
    const query = afterCursor(this.events.createQueryBuilder('e'), { at: 'e.at', id: 'e.id' }, { limit, cursor });
    const { items, nextCursor } = keysetPage(await query.getMany(), limit, (event) => ({ at: event.at, id: event.id }));
    return { events: items, nextCursor };
  }
}
