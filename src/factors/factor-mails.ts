import type { MailMessage } from '../mail';

/** The notices of factor changes (API.md §11): no link, nothing secret; what happened and what to do if it was not you. */
const NOTICES = {
  factor_added: ['A sign-in method was added to your account', 'A second factor (an authenticator app or a passkey) was added to your account.'],
  factor_removed: [
    'A sign-in method was removed from your account',
    'A second factor (an authenticator app or a passkey) was removed from your account.',
  ],
  recovery_used: ['A recovery code was used', 'One of your recovery codes was used to sign in or to confirm who you are. It cannot be used again.'],
  factors_reset: ['Your second factors were reset', 'An administrator removed every second factor and recovery code of your account.'],
} as const;

export type FactorNotice = keyof typeof NOTICES;
export const FACTOR_NOTICES = Object.keys(NOTICES) as FactorNotice[];

export function factorNoticeMail(kind: FactorNotice, to: string): MailMessage {
  const [subject, what] = NOTICES[kind];
  const lines = [what, 'If this was not you, reset your password now and review your sign-in methods and signed-in devices.'];
  return { to, subject, text: lines.join('\n'), html: lines.map((line) => `<p>${line}</p>`).join('\n') };
}
