/*
 * Signing in beyond the password: with a passkey alone (the button, and the browser's autofill where
 * it offers passkeys there), and the second step after a right password (a code, or a passkey). The
 * sdk holds the second step's mfaToken; the page never sees it.
 */
import type { AuthClient, LoggedInUser, SecondStep } from '../sdk/auth-client.js';
import { $, field, onSubmit, say, show } from './dom.js';
import type { failureWords } from './words.js';

type Kind = Parameters<typeof failureWords>[1];
let step: SecondStep | null = null;
/** The server's reason for the last failed login of this page. */
let lastReason = '';

const keep = () => $<HTMLInputElement>('sign-in-keep').checked;

/** Shows the second step of a login whose password was right. */
export function askSecondStep(next: SecondStep): void {
  step = next;
  const codes = [
    next.methods.includes('totp') && 'the 6-digit code from your authenticator app',
    next.methods.includes('recovery_code') && 'one of your recovery codes',
  ];
  $('second-step-hint').textContent = next.methods.some((m) => m !== 'passkey')
    ? `Enter ${codes.filter(Boolean).join(', or ')}.`
    : 'Confirm it is you with your passkey.';
  const byCode = next.methods.some((m) => m !== 'passkey');
  show('second-step-codes', byCode);
  show('second-step-continue', byCode);
  show('second-step-passkey', next.methods.includes('passkey'));
  $('second-step-passkey').textContent = byCode ? 'Use a passkey instead' : 'Use your passkey';
  say('second-step-error', null);
  say('notice', null);
  show('sign-in', false);
  show('second-step', true);
  // Only this step on screen: the sign-up, forgot and email forms come back with the sign-in form.
  $('signed-out').dataset.step = 'second';
  $(byCode ? 'second-step-code' : 'second-step-passkey').focus();
}

function leaveSecondStep(): void {
  step = null;
  $<HTMLFormElement>('second-step').reset();
  say('second-step-error', null);
  show('second-step', false);
  show('sign-in', true);
  delete $('signed-out').dataset.step;
}

export function setupSignIn(auth: AuthClient, failure: (error: unknown, kind: Kind) => string): { offerAutofill(): void } {
  /**
   * A finished login: the sdk's state change renders the signed-in page. `quiet`: an autofill request
   * that ends without the server's word (replaced by a newer ceremony, no passkey here) says nothing.
   */
  const finish = async (login: () => Promise<LoggedInUser>, errorId: string, kind: Kind, quiet = false) => {
    if (!quiet) say(errorId, null);
    lastReason = '';
    try {
      await login();
      $<HTMLFormElement>('sign-in').reset();
      if (step) leaveSecondStep();
    } catch (error) {
      lastReason = String((error as { reason?: unknown }).reason ?? '');
      const answered = typeof (error as { status?: unknown }).status === 'number' && (error as { status: number }).status > 0;
      if (answered || (!quiet && (error as { name?: string }).name !== 'AbortError')) say(errorId, failure(error, kind));
    }
  };

  /** The second step, finished; a dead mfaToken (too slow, too many wrong codes) sends the user back to the password. */
  const second = async (complete: (step: SecondStep) => Promise<LoggedInUser>) => {
    if (!step) return;
    const current = step;
    await finish(() => complete(current), 'second-step-error', 'code');
    if ($('second-step').hidden || lastReason !== 'invalid_mfa_token') return;
    const words = $('second-step-error').textContent;
    leaveSecondStep();
    say('sign-in-error', words);
  };
  onSubmit('second-step', (form) => second((current) => current.completeWithCode(field(form, 'code'))));
  $('second-step-passkey').addEventListener('click', () => void second((current) => current.completeWithPasskey()));
  $('second-step-cancel').addEventListener('click', leaveSecondStep);
  $('passkey-sign-in').addEventListener('click', () => void finish(() => auth.loginWithPasskey({ permanent: keep() }), 'sign-in-error', 'passkey'));

  let support: Promise<{ passkeys: boolean; autofill: boolean }> | null = null;
  const supported = () => (support ??= auth.passkeySupport().catch(() => ({ passkeys: false, autofill: false })));
  void supported().then(({ passkeys }) => show('passkey-sign-in', passkeys));

  /** The autofill request waiting for the user, and the "keep me signed in" it carries. */
  let offered: boolean | null = null;
  /** Offers the passkeys in the username's autofill, where the browser can (conditional mediation). */
  const offerAutofill = () => {
    void supported().then(async ({ autofill }) => {
      if (!autofill || auth.state.status !== 'signed-out' || offered === keep()) return;
      const permanent = (offered = keep());
      await finish(() => auth.loginWithPasskey({ permanent, conditional: true }), 'sign-in-error', 'passkey', true);
      if (offered === permanent) offered = null;
    });
  };
  // A change of mind about "keep me signed in" starts a new request (which ends the old one).
  $('sign-in-keep').addEventListener('change', offerAutofill);
  return { offerAutofill };
}
