/*
 * Recovery and email: the forgot form, the reset form of a mailed #reset= link, the email settings and
 * a mailed #verify= link. A link's token leaves the address bar as this module loads, before any
 * request, so it lingers in no history entry; it is then kept in memory only.
 */
import type { AuthClient } from '../sdk/auth-client.js';
import { $, field, onSubmit, say, show } from './dom.js';
import type { failureWords } from './words.js';

type Kind = Parameters<typeof failureWords>[1];
export interface RecoveryHooks {
  failure(error: unknown, kind: Kind): string;
  notice(text: string | null): void;
  /** Shows this device signed out with these words (the sdk learns it first). */
  signedOut(words: string): Promise<void>;
  render(): Promise<void>;
}

let resetToken: string | null = null;
let verifyToken: string | null = null;

function takeFragment(): void {
  const match = /^#(reset|verify)=([A-Za-z0-9_-]{1,200})$/.exec(location.hash);
  if (!location.hash) return;
  history.replaceState(null, '', location.pathname + location.search);
  if (match?.[1] === 'reset') resetToken = match[2];
  if (match?.[1] === 'verify') verifyToken = match[2];
}
takeFragment();

export const resetting = () => resetToken !== null;
export const verifyPending = () => verifyToken !== null;

const EMAIL_NONE = 'No email address yet. Add one to be able to reset a forgotten password.';
const FORGOT_SENT = 'If this address belongs to an account and is verified, a reset link is on its way. Check your mail.';

/** The email settings of a signed-in page; a #verify= token waiting for the sign-in is used now. */
export async function showEmail(auth: AuthClient, hooks: RecoveryHooks): Promise<void> {
  const token = verifyToken;
  verifyToken = null;
  if (token) {
    say('email-error', null);
    try {
      await auth.email.verify(token);
      hooks.notice('Your email address is verified.');
    } catch (error) {
      say('email-error', hooks.failure(error, 'email'));
    }
  }
  const { email, verified, pendingEmail } = await auth.email.get();
  $('email-state').textContent = !email
    ? EMAIL_NONE
    : pendingEmail
      ? `We sent a link to ${pendingEmail}. Until you open it, ${email} stays the address for password resets.`
      : verified
        ? `${email} (verified)`
        : `We sent a link to ${email}. Open it to verify the address.`;
}

/** The password prompts: beside the email form, and in the sign-in methods. */
export type PasswordPrompt = 'reauth' | 'factors-reauth';

/** Settles the password prompt that is open, if any. */
let settlePrompt: ((confirmed: boolean) => void) | null = null;
let openPrompt: PasswordPrompt | null = null;

/**
 * The sdk's onReauthenticate: asks for the password beside the form that asked (the email form by
 * default); true once the server took it (the sdk then sends the change once more), false when the
 * user cancels.
 */
export function confirmPassword(prompt: PasswordPrompt = 'reauth'): Promise<boolean> {
  if (openPrompt) closePrompt(false);
  openPrompt = prompt;
  say(`${prompt}-error`, null);
  show(`${prompt}-form`, true);
  $(`${prompt}-password`).focus();
  return new Promise((resolve) => (settlePrompt = resolve));
}

function closePrompt(confirmed: boolean): void {
  if (openPrompt) {
    $<HTMLFormElement>(`${openPrompt}-form`).reset();
    show(`${openPrompt}-form`, false);
  }
  openPrompt = null;
  settlePrompt?.(confirmed);
  settlePrompt = null;
}

export function setupRecovery(auth: AuthClient, hooks: RecoveryHooks): void {
  const openForgot = () => {
    show('forgot', true);
    $('forgot-email').focus();
  };
  $('forgot-open').addEventListener('click', openForgot);
  onSubmit('forgot', async (form) => {
    say('forgot-status', null);
    say('forgot-error', null);
    try {
      await auth.password.forgot(field(form, 'email').trim());
      say('forgot-status', FORGOT_SENT);
    } catch (error) {
      say('forgot-error', hooks.failure(error, 'email'));
    }
  });

  onSubmit('reset-form', async (form) => {
    say('reset-error', null);
    show('reset-new-link', false);
    try {
      await auth.password.reset({ token: resetToken ?? '', newPassword: field(form, 'newPassword') });
      resetToken = null;
      form.reset();
      await hooks.signedOut('Your password was reset and every device was signed out. Sign in with the new password.');
    } catch (error) {
      say('reset-error', hooks.failure(error, 'reset'));
      show('reset-new-link', (error as { reason?: string }).reason === 'invalid_token');
    }
  });
  const leaveReset = async () => {
    resetToken = null;
    say('reset-error', null);
    await hooks.render();
  };
  $('reset-cancel').addEventListener('click', () => void leaveReset());
  $('reset-new-link').addEventListener('click', () => void leaveReset().then(() => auth.state.status === 'signed-out' && openForgot()));

  onSubmit('email-form', async (form) => {
    say('email-error', null);
    try {
      await auth.email.set(field(form, 'email').trim());
      form.reset();
      await showEmail(auth, hooks);
    } catch (error) {
      say('email-error', hooks.failure(error, 'email'));
    }
  });

  for (const prompt of ['reauth', 'factors-reauth'] as const) {
    onSubmit(`${prompt}-form`, async (form) => {
      say(`${prompt}-error`, null);
      try {
        await auth.reauthenticate(field(form, 'password'));
        closePrompt(true);
      } catch (error) {
        say(`${prompt}-error`, hooks.failure(error, 'reauth'));
      }
    });
    $(`${prompt}-cancel`).addEventListener('click', () => closePrompt(false));
  }

  // A link opened while the page is already open in this tab.
  window.addEventListener('hashchange', () => {
    takeFragment();
    void hooks.render();
  });
}
