/*
 * Sign-in methods of a signed-in page: passkeys (named, with last use and the devices each signed in),
 * an authenticator app (TOTP, its QR code drawn here by the bundled `qrcode`, never fetched) and
 * recovery codes (shown once, with a download). Every change needs recent authentication: the sdk
 * asks the page's onReauthenticate, which prompts in this section while one of its actions runs.
 */
import { toCanvas } from 'qrcode';
import type { AuthClient, FactorsResponse, PasskeyResponse } from '../sdk/auth-client.js';
import { $, element, field, onSubmit, say, show } from './dom.js';
import type { failureWords } from './words.js';
import { ago } from './words.js';

type Kind = Parameters<typeof failureWords>[1];
export interface FactorsHooks {
  failure(error: unknown, kind: Kind): string;
  notice(text: string | null): void;
  /** Shows this device signed out with these words. */
  signedOut(words: string): Promise<void>;
}

let running = 0;
/** A passkey row shows its rename or remove form. */
let formOpen = false;
/** True while an action of this section runs: its password prompt is the one to show. */
export const changingFactors = () => running > 0;

/** The recovery codes on show, for the download; forgotten once the user says they are saved. */
let shownCodes: string[] = [];

/** "2 devices signed in with it now (this one too)": the live clients a passkey signed in. */
function signedInWith(passkey: PasskeyResponse, current: string | null): string {
  const devices = passkey.clients.length;
  if (devices === 0) return 'no device signed in with it now';
  const here = passkey.clients.includes(current ?? '') ? (devices === 1 ? ' (this one)' : ' (this one too)') : '';
  return `${devices === 1 ? '1 device' : `${devices} devices`} signed in with it now${here}`;
}
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "ABCD EFGH IJKL …": a key read aloud or typed by hand. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function setupFactors(auth: AuthClient, hooks: FactorsHooks): { show(): Promise<void>; clear(): void } {
  /** Runs a change, then shows what the server says; a failure is said beside the part that failed. */
  async function act(action: () => Promise<unknown>, errorId = 'factors-error', kind: Kind = 'factor', settle?: () => void): Promise<boolean> {
    running += 1;
    say(errorId, null);
    try {
      await action();
      return true;
    } catch (error) {
      if (auth.state.status === 'signed-in') say(errorId, hooks.failure(error, kind));
      return false;
    } finally {
      running -= 1;
      settle?.(); // before the lists are shown again
      if (auth.state.status === 'signed-in') await showFactors().catch((error: unknown) => say('factors-error', hooks.failure(error, 'other')));
    }
  }

  function passkeyItem(passkey: PasskeyResponse, current: string | null): HTMLLIElement {
    const item = element('li');
    const about = element('div');
    const detail = element('p', undefined, 'detail');
    detail.append(
      `added ${ago(passkey.createdAt)} · `,
      passkey.lastUsedAt ? `last used ${ago(passkey.lastUsedAt)}` : 'never used yet',
      ` · ${signedInWith(passkey, current)}`,
    );
    about.append(element('div', passkey.name, 'name'), detail);
    const actions = element('div', undefined, 'actions');
    const button = (text: string, label: string, onClick: () => void, className?: string) => {
      const node = element('button', text, className);
      node.type = 'button';
      node.setAttribute('aria-label', label);
      node.addEventListener('click', onClick);
      return node;
    };
    actions.append(
      button('Rename', `Rename passkey ${passkey.name}`, () => openForm(item, about, renameForm(passkey))),
      button('Remove', `Remove passkey ${passkey.name}`, () => openForm(item, about, removeForm(passkey, current))),
    );
    item.append(about, actions);
    return item;
  }

  function openForm(item: HTMLLIElement, about: HTMLElement, form: HTMLFormElement): void {
    formOpen = true;
    item.replaceChildren(about, form);
  }
  function closeForm(): void {
    formOpen = false;
    void showFactors().catch(() => undefined);
  }

  function renameForm(passkey: PasskeyResponse): HTMLFormElement {
    const form = element('form');
    const input = element('input');
    input.name = 'name';
    input.value = passkey.name;
    input.maxLength = 64;
    input.required = true;
    input.setAttribute('aria-label', `New name for passkey ${passkey.name}`);
    const save = element('button', 'Save');
    save.type = 'submit';
    const cancel = element('button', 'Cancel', 'secondary');
    cancel.type = 'button';
    cancel.addEventListener('click', closeForm);
    form.append(input, save, cancel);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      save.disabled = true;
      void act(
        () => auth.factors.passkeys.rename(passkey.id, input.value.trim()),
        'factors-error',
        'factor',
        () => (formOpen = false),
      );
    });
    setTimeout(() => input.select());
    return form;
  }

  /** Asks whether the devices this passkey signed in end with it: a lost key's sessions are the thief's. */
  function removeForm(passkey: PasskeyResponse, current: string | null): HTMLFormElement {
    const form = element('form');
    const devices = passkey.clients.length;
    const question =
      devices === 0
        ? `Remove ${passkey.name}? It will not sign you in any more.`
        : `Remove ${passkey.name}? ${capitalised(signedInWith(passkey, current))}: sign ${devices === 1 ? 'it' : 'them'} out too?`;
    form.append(element('p', question, 'detail'));
    const choice = (text: string, endSessions: boolean, className?: string) => {
      const node = element('button', text, className);
      node.type = 'button';
      node.addEventListener('click', () => {
        void act(
          () => auth.factors.passkeys.remove(passkey.id, { endSessions }),
          'factors-error',
          'factor',
          () => (formOpen = false),
        ).then(async (done) => {
          if (done && auth.state.status === 'signed-out')
            await hooks.signedOut('The passkey was removed, and the devices it signed in were signed out, this one too.');
        });
      });
      return node;
    };
    if (devices > 0)
      form.append(
        choice(`Remove and sign out ${devices === 1 ? '1 device' : `${devices} devices`}`, true),
        choice('Remove only', false, 'secondary'),
      );
    else form.append(choice('Remove', false));
    const cancel = element('button', 'Cancel', 'secondary');
    cancel.type = 'button';
    cancel.addEventListener('click', closeForm);
    form.append(cancel);
    return form;
  }

  function showCodes(codes: string[]): void {
    shownCodes = codes;
    $('recovery-list').replaceChildren(...codes.map((code) => element('li', code)));
    show('recovery-codes', true);
    show('recovery-regenerate', false);
    $('recovery-download').focus();
  }

  async function showFactors(): Promise<FactorsResponse> {
    const factors = await auth.factors.list();
    if (auth.state.status !== 'signed-in') return factors;
    const current = auth.state.user.clientId;
    // A row's open form (rename, remove) stays as the user left it until it is used or cancelled.
    if (!formOpen) $('passkeys').replaceChildren(...factors.passkeys.map((passkey) => passkeyItem(passkey, current)));
    show('no-passkeys', factors.passkeys.length === 0);
    const setupOpen = !$('totp-setup').hidden;
    $('totp-state').textContent = factors.totp
      ? 'On: signing in with your password also asks for a code from your app.'
      : 'Off. An app such as your phone’s authenticator gives a new 6-digit code every 30 seconds.';
    show('totp-begin', !factors.totp && !setupOpen);
    show('totp-remove', factors.totp);
    const anyFactor = factors.totp || factors.passkeys.length > 0;
    $('recovery-state').textContent =
      factors.recoveryCodesLeft > 0
        ? `${factors.recoveryCodesLeft} unused recovery ${factors.recoveryCodesLeft === 1 ? 'code' : 'codes'} left.`
        : anyFactor
          ? 'No recovery codes: make some, in case you lose your phone or passkey.'
          : 'Recovery codes come with your first authenticator app or passkey.';
    show('recovery-regenerate', anyFactor && $('recovery-codes').hidden === true);
    $('recovery-regenerate').textContent = factors.recoveryCodesLeft > 0 ? 'Make new recovery codes' : 'Make recovery codes';
    return factors;
  }

  onSubmit('passkey-add', async (form) => {
    const name = field(form, 'name').trim();
    let codes: string[] | undefined;
    if (await act(async () => (codes = (await auth.factors.passkeys.add(name || undefined)).recoveryCodes))) {
      form.reset();
      hooks.notice('Passkey added. You can now sign in with it, without your password.');
      if (codes) showCodes(codes);
    }
  });

  $('totp-begin').addEventListener('click', () => {
    void act(async () => {
      const { secret, otpauthUri } = await auth.factors.totp.begin();
      await toCanvas($<HTMLCanvasElement>('totp-qr'), otpauthUri, { margin: 2, width: 200, errorCorrectionLevel: 'M' });
      $('totp-secret').textContent = grouped(secret);
      show('totp-setup', true);
      show('totp-begin', false);
      $('totp-code').focus();
    });
  });
  const closeSetup = () => {
    $<HTMLFormElement>('totp-setup').reset();
    $('totp-secret').textContent = '';
    say('totp-error', null);
    show('totp-setup', false);
  };
  onSubmit('totp-setup', async (form) => {
    let codes: string[] | null = null;
    if (await act(async () => (codes = await auth.factors.totp.confirm(field(form, 'code'))), 'totp-error', 'code')) {
      closeSetup();
      await showFactors().catch(() => undefined);
      hooks.notice('Authenticator app on. Signing in now asks for a code from it after your password.');
      if (codes) showCodes(codes);
    }
  });
  $('totp-cancel').addEventListener('click', () => {
    closeSetup();
    void showFactors();
  });
  $('totp-remove').addEventListener('click', () => void act(() => auth.factors.totp.remove()));

  $('recovery-regenerate').addEventListener('click', () => void act(async () => showCodes(await auth.factors.recoveryCodes.regenerate())));
  $('recovery-download').addEventListener('click', () => {
    const user = auth.state.status === 'signed-in' ? auth.state.user.username : '';
    const text = [`Recovery codes for ${user} at ${location.origin}`, 'Each code works once.', '', ...shownCodes, ''].join('\n');
    const link = element('a');
    link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    link.download = 'recovery-codes.txt';
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  });
  /** Forgets what a signed-out page must not show: codes, a pending key. */
  const clear = () => {
    shownCodes = [];
    $('recovery-list').replaceChildren();
    show('recovery-codes', false);
    closeSetup();
  };
  $('recovery-done').addEventListener('click', () => {
    shownCodes = [];
    $('recovery-list').replaceChildren();
    show('recovery-codes', false);
    void showFactors().catch(() => undefined);
  });

  return {
    show: async () => {
      say('factors-error', null);
      await showFactors();
    },
    clear,
  };
}
