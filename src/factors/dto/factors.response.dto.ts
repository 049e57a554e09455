export class PasskeyResponseDto {
  id!: string;
  name!: string;
  createdAt!: string;
  lastUsedAt!: string | null;
  /** The live clients this passkey signed in. */
  clients!: string[];
}

/** GET /me/factors. */
export class FactorsResponseDto {
  totp!: boolean;
  passkeys!: PasskeyResponseDto[];
  recoveryCodesLeft!: number;
}
