/** Recovery codes in the clear: in this response only, never again. */
export class RecoveryCodesResponseDto {
  recoveryCodes!: string[];
}
