import type { AuditEvent } from '../audit-event.entity';

export class AuditEventResponseDto {
  id!: string;
  at!: string;
  actor!: { kind: 'admin' | 'cli'; userId: string | null; clientId: string | null };
  /** user.roles_changed, user.disabled, user.enabled, user.password_set, user.deleted, client.ended, clients.ended */
  action!: string;
  targetUserId!: string | null;
  details!: Record<string, unknown>;

  static of(event: AuditEvent): AuditEventResponseDto {
    return {
      id: event.id,
      at: event.at.toISOString(),
      actor: { kind: event.actor, userId: event.actorUserId, clientId: event.actorClientId },
      action: event.action,
      targetUserId: event.targetUserId,
      details: JSON.parse(event.details) as Record<string, unknown>,
    };
  }
}
