/** The caller's address: pending until the mailed link is followed, then usable for recovery. */
export class EmailResponseDto {
  email!: string | null;
  verified!: boolean;
  /** A new address asked for while `email` is verified; it replaces `email` once its link is followed. */
  pendingEmail?: string;
}
