/*
 * The account page: sign in, then see and end this user's devices. Built on the sdk in cookie mode,
 * so the page never holds a token. After every action the lists are fetched again: they show what
 * the server says, never what the page assumes.
 */
// First: identities.js reads a provider's #signed-in= and recovery.js takes a mailed link's token out of the address bar as they load.
import { setupIdentities, showIdentities } from './identities.js';
import { confirmPassword, resetting, setupRecovery, showEmail, verifyPending, type RecoveryHooks } from './recovery.js';
import { createAuthClient, type ClientHistoryResponse } from '../sdk/auth-client.js';
import { $, element, field, onSubmit, say, show } from './dom.js';
import { watchSessionEvents } from './events.js';
import { changingFactors, setupFactors } from './factors.js';
import { askSecondStep, setupSignIn } from './sign-in.js';
import { ago, deviceName, endedHereWords, endedWords, failureWords, newSignInWords, SIGNED_OUT } from './words.js';

/** The latest answer's Retry-After (seconds): the sdk's errors carry the body, not the headers. */
let retryAfter: number | null = null;
const auth = createAuthClient({
  baseUrl: location.origin,
  transport: 'cookie',
  fetch: async (input, init) => {
    const response = await fetch(input, init);
    retryAfter = Number(response.headers.get('retry-after')) || null;
    return response;
  },
  // Changing the email or a sign-in method needs a recent password: asked beside the part that asked,
  // then the change is sent once more.
  onReauthenticate: () => confirmPassword(changingFactors() ? 'factors-reauth' : 'reauth'),
});
/** Words for the next signed-out view, when the page knows better than the sdk's reason why. */
let signedOutWords: string | null = null;

function time(label: string, iso: string): HTMLElement {
  const line = element('span', `${label} `);
  const stamp = element('time', ago(iso));
  stamp.dateTime = iso;
  stamp.title = new Date(iso).toLocaleString();
  line.append(stamp);
  return line;
}

function deviceItem(client: ClientHistoryResponse): HTMLLIElement {
  const item = element('li');
  const about = element('div');
  const name = element('div', deviceName(client), 'name');
  if (client.current) name.append(element('span', 'this device', 'tag'));
  const detail = element('p', undefined, 'detail');
  const last = client.endReason && client.endedAt ? time('ended', client.endedAt) : time('last active', client.lastUsedAt);
  detail.append(`${client.ip ? `Address ${client.ip}` : 'Address unknown'} · `, time('signed in', client.createdAt), ' · ', last);
  // DPoP: its tokens are useless off the device that holds the key.
  if (client.bound) detail.append(' · ', element('span', client.current ? 'bound to this device' : 'bound to its device', 'bound'));
  about.append(name, detail);
  if (client.endReason) about.append(element('p', endedWords(client), 'detail'));
  item.append(about);
  if (!client.endReason && !client.current) {
    const end = element('button', 'End');
    end.type = 'button';
    end.setAttribute('aria-label', `End ${deviceName(client)}, signed in ${ago(client.createdAt)}`);
    end.addEventListener('click', () => void act(() => auth.sessions.end(client.id)));
    item.append(end);
  }
  return item;
}

async function showDevices(): Promise<ClientHistoryResponse[]> {
  const clients = await auth.sessions.list({ includeEnded: true });
  if (auth.state.status !== 'signed-in') return clients;
  const live = clients.filter((c) => !c.endReason);
  const ended = clients.filter((c) => c.endReason).sort((a, b) => Date.parse(b.endedAt ?? '') - Date.parse(a.endedAt ?? ''));
  $('devices').replaceChildren(...live.map(deviceItem));
  $('ended').replaceChildren(...ended.map(deviceItem));
  show('none-ended', ended.length === 0);
  show('end-others', live.length > 1);
  return clients;
}

/** Runs an action, then shows what the server says; a failure is said in words next to the lists. */
async function act(action: () => Promise<unknown>, errorId = 'action-error', kind: Parameters<typeof failureWords>[1] = 'other'): Promise<boolean> {
  say(errorId, null);
  try {
    await action();
    // A passkey's row counts the devices it signed in: it follows the device list.
    if (auth.state.status === 'signed-in') await Promise.all([showDevices(), factors.show()]);
    return true;
  } catch (error) {
    if (auth.state.status === 'signed-in') say(errorId, failureWords(error, kind, retryAfter));
    return false;
  }
}

async function render(): Promise<void> {
  const state = auth.state;
  show('loading', false);
  show('reset', resetting());
  show('signed-in', !resetting() && state.status === 'signed-in');
  show('signed-out', !resetting() && state.status === 'signed-out');
  if (resetting()) return;
  if (state.status === 'signed-out') {
    const words = signedOutWords ?? (state.reason ? SIGNED_OUT[state.reason] : null);
    say('notice', verifyPending() ? 'Sign in to verify your email address.' : words);
    factors.clear();
    signInWays.offerAutofill();
    return;
  }
  signedOutWords = null;
  say('notice', null);
  $('username').textContent = state.user.username;
  await act(showDevices);
  await showEmail(auth, hooks).catch((error: unknown) => say('email-error', failureWords(error, 'email', retryAfter)));
  await factors.show().catch((error: unknown) => say('factors-error', failureWords(error, 'factor', retryAfter)));
  await showIdentities().catch((error: Error) => say('identities-error', error.message));
}

/** This device's session ended: the sdk learns it from the server (its state is what every tab reads), then the page says why. */
async function signedOut(words: string): Promise<void> {
  signedOutWords = words;
  if (auth.state.status === 'signed-in') await auth.me().catch(() => undefined);
  // No answer: forget the session here anyway (the server has ended it already).
  if (auth.state.status === 'signed-in') await auth.logout().catch(() => undefined);
  await render();
}

const hooks: RecoveryHooks = {
  failure: (error, kind) => failureWords(error, kind, retryAfter),
  notice: (text) => say('notice', text),
  signedOut,
  render,
};

/*
 * Signing in to another app through us (API.md §13): /authorize sent the browser here with the way
 * back (a path of ours under /authorize only, never another site), and `login=required` when the app
 * asked for a fresh sign-in (prompt=login, max_age).
 */
const authorizeReturn = ((params) => {
  const to = params.get('return_to');
  return to?.startsWith('/authorize?') ? { to, fresh: params.get('login') === 'required', hint: params.get('login_hint') } : null;
})(new URLSearchParams(location.search));

async function signIn(form: HTMLFormElement, errorId: string, kind: 'sign-in' | 'sign-up', signUpFirst: boolean): Promise<void> {
  say(errorId, null);
  const credentials = { username: field(form, 'username').trim(), password: field(form, 'password') };
  try {
    if (signUpFirst) await auth.signUp(credentials);
    const result = await auth.login({ ...credentials, permanent: (form.elements.namedItem('keep') as HTMLInputElement).checked });
    (form.elements.namedItem('password') as HTMLInputElement).value = '';
    if ('mfaRequired' in result) return askSecondStep(result);
    form.reset();
    if (authorizeReturn) location.assign(authorizeReturn.to);
  } catch (error) {
    say(errorId, failureWords(error, kind, retryAfter));
  }
}

const factors = setupFactors(auth, {
  failure: (error, kind) => failureWords(error, kind, retryAfter),
  notice: (text) => say('notice', text),
  signedOut,
});
const signInWays = setupSignIn(auth, (error, kind) => failureWords(error, kind, retryAfter));
onSubmit('sign-in', (form) => signIn(form, 'sign-in-error', 'sign-in', false));
onSubmit('sign-up', (form) => signIn(form, 'sign-up-error', 'sign-up', true));
onSubmit('change-password', async (form) => {
  const input = { currentPassword: field(form, 'currentPassword'), newPassword: field(form, 'newPassword') };
  if (await act(() => auth.changePassword(input), 'password-error', 'password')) {
    form.reset();
    say('notice', 'Password changed. Every other device was signed out.');
  }
});
$('sign-out').addEventListener('click', () => void auth.logout().catch(() => undefined));
$('end-others').addEventListener('click', () => void act(() => auth.sessions.endOthers()));
$('reload').addEventListener('click', () => void act(() => auth.me()));
auth.onChange(() => void render());
setupRecovery(auth, hooks);
watchSessionEvents(auth, (event) => {
  if (event.type === 'session.ended' && event.current) void signedOut(endedHereWords(event.data.reason, event.data.by?.kind));
  else if (event.type === 'session.created' && !event.current) {
    void factors.show().catch(() => undefined);
    void showDevices()
      .then((clients) => say('notice', newSignInWords(clients.find((c) => c.id === event.clientId))))
      .catch(() => undefined);
  }
});

// Sign-up is offered only when the server takes it (AUTH_SIGNUP); a button per sign-in provider.
void setupIdentities(auth)
  .then((policy) => show('sign-up', policy.signup === true))
  .finally(() => void render());
if (authorizeReturn) {
  if (authorizeReturn.hint) ($('sign-in-username') as HTMLInputElement).value = authorizeReturn.hint;
  // Already signed in: straight back, unless the app wants a fresh sign-in (this one ends, the form shows).
  void auth
    .me()
    .then(() => (authorizeReturn.fresh ? auth.logout() : location.assign(authorizeReturn.to)))
    .catch(() => undefined);
}
