import type { UserIdentity } from '../user-identity.entity';

export class IdentityResponseDto {
  id!: string;
  provider!: string;
  /** The address the provider gave, for display; it never finds or joins an account. */
  email!: string | null;
  createdAt!: string;
  lastUsedAt!: string | null;

  static of(identity: UserIdentity): IdentityResponseDto {
    return {
      id: identity.id,
      provider: identity.provider,
      email: identity.email,
      createdAt: identity.createdAt.toISOString(),
      lastUsedAt: identity.lastUsedAt?.toISOString() ?? null,
    };
  }
}
