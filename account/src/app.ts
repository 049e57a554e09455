/*
 * The account page: sign in, then see and end this user's devices. Built on the sdk in cookie mode,
 * so the page never holds a token. After every action the lists are fetched again: they show what
 * the server says, never what the page assumes.
 */
import { createAuthClient, type ClientHistoryResponse } from '../sdk/auth-client.js';
import { ago, deviceName, endedWords, failureWords, SIGNED_OUT } from './words.js';

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
});

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const show = (id: string, visible: boolean) => ($(id).hidden = !visible);

function say(id: string, text: string | null): void {
  $(id).textContent = text ?? '';
  show(id, Boolean(text));
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

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
  about.append(name, detail);
  if (client.endReason) about.append(element('p', endedWords(client), 'detail'));
  item.append(about);
  if (!client.endReason && !client.current) {
    const end = element('button', 'End');
    end.type = 'button';
    end.setAttribute('aria-label', `End ${deviceName(client)}, signed in ${ago(client.createdAt)}`);
    end.addEventListener('click', () => act(() => auth.sessions.end(client.id)));
    item.append(end);
  }
  return item;
}

async function showDevices(): Promise<void> {
  const clients = await auth.sessions.list({ includeEnded: true });
  if (auth.state.status !== 'signed-in') return;
  const live = clients.filter((c) => !c.endReason);
  const ended = clients.filter((c) => c.endReason).sort((a, b) => Date.parse(b.endedAt ?? '') - Date.parse(a.endedAt ?? ''));
  $('devices').replaceChildren(...live.map(deviceItem));
  $('ended').replaceChildren(...ended.map(deviceItem));
  show('none-ended', ended.length === 0);
  show('end-others', live.length > 1);
}

/** Runs an action, then shows what the server says; a failure is said in words next to the lists. */
async function act(action: () => Promise<unknown>, errorId = 'action-error', kind: Parameters<typeof failureWords>[1] = 'other'): Promise<boolean> {
  say(errorId, null);
  try {
    await action();
    if (auth.state.status === 'signed-in') await showDevices();
    return true;
  } catch (error) {
    if (auth.state.status === 'signed-in') say(errorId, failureWords(error, kind, retryAfter));
    return false;
  }
}

async function render(): Promise<void> {
  const state = auth.state;
  show('loading', false);
  show('signed-in', state.status === 'signed-in');
  show('signed-out', state.status === 'signed-out');
  if (state.status === 'signed-out') {
    say('notice', state.reason ? SIGNED_OUT[state.reason] : null);
    return;
  }
  say('notice', null);
  $('username').textContent = state.user.username;
  await act(showDevices);
}

function field(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement).value;
}

function onSubmit(id: string, handler: (form: HTMLFormElement) => Promise<void>): void {
  const form = $<HTMLFormElement>(id);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button') as HTMLButtonElement;
    button.disabled = true;
    void handler(form).finally(() => (button.disabled = false));
  });
}

async function signIn(form: HTMLFormElement, errorId: string, kind: 'sign-in' | 'sign-up', signUpFirst: boolean): Promise<void> {
  say(errorId, null);
  const credentials = { username: field(form, 'username').trim(), password: field(form, 'password') };
  try {
    if (signUpFirst) await auth.signUp(credentials);
    await auth.login({ ...credentials, permanent: (form.elements.namedItem('keep') as HTMLInputElement).checked });
    form.reset();
  } catch (error) {
    say(errorId, failureWords(error, kind, retryAfter));
  }
}

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

// Sign-up is offered only when the server takes it (AUTH_SIGNUP).
fetch('/.well-known/session-policy')
  .then((response) => response.json())
  .then((policy: { signup?: boolean }) => show('sign-up', policy.signup === true))
  .catch(() => undefined);
void render();
