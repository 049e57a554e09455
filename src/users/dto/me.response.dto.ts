import type { UserProfile } from '../users.service';
import { UserResponseDto } from './user.response.dto';

export class MeResponseDto extends UserResponseDto {
  /** The client (device) the caller's access token belongs to. */
  clientId!: string;

  static ofCaller(user: UserProfile, clientId: string): MeResponseDto {
    return { ...UserResponseDto.of(user), clientId };
  }
}
