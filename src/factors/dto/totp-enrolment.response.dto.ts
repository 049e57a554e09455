/** POST /me/totp: the pending secret, for the app (the QR code carries otpauthUri). */
export class TotpEnrolmentResponseDto {
  secret!: string;
  otpauthUri!: string;
}
