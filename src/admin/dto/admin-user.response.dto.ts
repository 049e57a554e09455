import type { User } from '../../users/user.entity';
import { parseRoles } from '../../users/roles';

export class AdminUserResponseDto {
  id!: string;
  username!: string;
  roles!: string[];
  disabled!: boolean;
  createdAt!: string;
  /** Clients neither ended nor expired. */
  liveClients!: number;

  static of(user: User & { liveClients: number }): AdminUserResponseDto {
    return {
      id: user.id,
      username: user.username,
      roles: parseRoles(user.roles),
      disabled: user.disabledAt !== null,
      createdAt: user.createdAt.toISOString(),
      liveClients: user.liveClients,
    };
  }
}
