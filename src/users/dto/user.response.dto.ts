import type { UserProfile } from '../users.service';

export class UserResponseDto {
  id!: string;
  username!: string;
  createdAt!: string;

  static of(user: UserProfile): UserResponseDto {
    return { id: user.id, username: user.username, createdAt: user.createdAt.toISOString() };
  }
}
