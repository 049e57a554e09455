import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { authConfig } from '../config/configuration';
import type { Client } from './client.entity';

/** What the access-token guard needs to know of a client. */
export type ClientState = Pick<
  Client,
  'id' | 'userId' | 'permanent' | 'endedAt' | 'endReason' | 'expiresAt' | 'sessionExpiresAt'
>;

interface Entry {
  state: ClientState;
  checkedAt: number;
}

const MAX_ENTRIES = 100_000;

/**
 * Remembers client states for AUTH_CLIENT_CACHE_TTL so a guarded request needs no database read.
 * This instance forgets a client the moment it ends one, so its own revocations are immediate; an
 * ending done by another instance is seen here at most one TTL later. That TTL is the stated bound.
 */
@Injectable()
export class ClientStateCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;

  constructor(@Inject(authConfig.KEY) config: ConfigType<typeof authConfig>) {
    this.ttlMs = config.clientCacheTtl * 1000;
  }

  get(clientId: string, now: number): ClientState | undefined {
    const entry = this.entries.get(clientId);
    if (entry && now - entry.checkedAt < this.ttlMs) return entry.state;
    if (entry) this.entries.delete(clientId);
    return undefined;
  }

  set(state: ClientState, now: number): void {
    if (this.ttlMs === 0) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(state.id, { state, checkedAt: now });
  }

  forget(clientId: string): void {
    this.entries.delete(clientId);
  }

  forgetUser(userId: string): void {
    for (const [clientId, entry] of this.entries) {
      if (entry.state.userId === userId) this.entries.delete(clientId);
    }
  }
}
