/** The caller's address: pending until the mailed link is followed, then usable for recovery. */
export class EmailResponseDto {
  email!: string | null;
  verified!: boolean;
}
