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
      details: readDetails(event.details),
    };
  }
}

/**
 * The stored JSON object. Rows written before migration 1766000000000 may have been cut at 4,000
 * characters into invalid JSON: shown as they are stored, under `unreadable`, so no page fails.
 */
function readDetails(stored: string): Record<string, unknown> {
  try {
    const details: unknown = JSON.parse(stored);
    if (typeof details === 'object' && details !== null && !Array.isArray(details)) return details as Record<string, unknown>;
  } catch {
    // falls through to the stored text
  }
  return { unreadable: stored };
}
