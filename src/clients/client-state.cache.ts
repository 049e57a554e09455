import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { CLIENTS_OPTIONS, type ClientsModuleOptions } from './clients.options';
import type { ClientState } from './client-rules';

/** A client's cached state, or its tombstone (state null) once this instance heard it ended. */
interface Entry {
  state: ClientState | null;
  checkedAt: number;
  generation: number;
}

const MAX_ENTRIES = 100_000;

/**
 * Remembers client states for AUTH_CLIENT_CACHE_TTL so a guarded request needs no database read.
 * This instance forgets a client the moment it ends one, so its own revocations are immediate; an
 * ending done by another instance is seen here at most one TTL later. That TTL is the stated bound.
 *
 * An ending must also win over a database read that began before it: a fill carries the generation
 * taken before its read (ticket()), and set() drops it if the client or its user was forgotten since.
 * Tombstones outlive their evicted entries through `floor`, the newest generation ever evicted.
 */
@Injectable()
export class ClientStateCache {
  private readonly ttlMs: number;
  private generation = 0;
  private floor = -1;
  private readonly clients: LRUCache<string, Entry>;
  private readonly users: LRUCache<string, number>;

  constructor(@Inject(CLIENTS_OPTIONS) config: ClientsModuleOptions) {
    this.ttlMs = config.clientCacheTtl * 1000;
    const raiseFloor = (generation: number) => void (this.floor = Math.max(this.floor, generation));
    this.clients = new LRUCache({ max: MAX_ENTRIES, dispose: (entry, _id, reason) => reason === 'evict' && raiseFloor(entry.generation) });
    this.users = new LRUCache({ max: MAX_ENTRIES, dispose: (generation, _id, reason) => reason === 'evict' && raiseFloor(generation) });
  }

  /** Take before reading a client's state from the database; hand it to set() with the result. */
  ticket(): number {
    return this.generation;
  }

  get(clientId: string, now: number): ClientState | undefined {
    const entry = this.clients.get(clientId);
    if (!entry?.state || now - entry.checkedAt >= this.ttlMs) return undefined;
    if ((this.users.get(entry.state.userId) ?? -1) > entry.generation) return undefined;
    return entry.state;
  }

  set(state: ClientState, now: number, ticket: number): void {
    if (this.ttlMs === 0 || ticket < this.floor) return;
    // A tombstone or a fresher read made after this read began wins over it.
    if ((this.clients.peek(state.id)?.generation ?? -1) > ticket) return;
    if ((this.users.peek(state.userId) ?? -1) > ticket) return;
    this.clients.set(state.id, { state, checkedAt: now, generation: ++this.generation });
  }

  forget(clientId: string): void {
    this.clients.set(clientId, { state: null, checkedAt: 0, generation: ++this.generation });
  }

  forgetUser(userId: string): void {
    this.users.set(userId, ++this.generation);
  }
}
