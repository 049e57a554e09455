import type { Client } from '../client.entity';

export class ClientResponseDto {
  id!: string;
  createdAt!: string;
  lastUsedAt!: string;
  /** When the client ends unless refreshed: the idle deadline, capped by the absolute one. */
  expiresAt!: string;
  userAgent!: string | null;
  ip!: string | null;
  permanent!: boolean;
  /** True for the client of the access token that asked. */
  current!: boolean;

  static of(client: Client, currentClientId: string): ClientResponseDto {
    return {
      id: client.id,
      createdAt: client.createdAt.toISOString(),
      lastUsedAt: client.lastUsedAt.toISOString(),
      expiresAt: client.expiresAt.toISOString(),
      userAgent: client.userAgent,
      ip: client.ip,
      permanent: client.permanent,
      current: client.id === currentClientId,
    };
  }
}
