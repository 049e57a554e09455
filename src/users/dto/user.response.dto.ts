import type { User } from '../user.entity';

export class UserResponseDto {
  id!: string;
  username!: string;
  createdAt!: string;

  static of(user: User): UserResponseDto {
    return { id: user.id, username: user.username, createdAt: user.createdAt.toISOString() };
  }
}
