/** One body for every address, known or not. */
export class ForgotPasswordResponseDto {
  message!: string;
}
