import type { User } from '../user.entity';
import { UserResponseDto } from './user.response.dto';

export class MeResponseDto extends UserResponseDto {
  /** The client (device) the caller's access token belongs to. */
  clientId!: string;

  static ofCaller(user: User, clientId: string): MeResponseDto {
    return { ...UserResponseDto.of(user), clientId };
  }
}
