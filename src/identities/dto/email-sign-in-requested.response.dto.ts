export class EmailSignInRequestedResponseDto {
  message!: string;
}
