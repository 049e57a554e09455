/*
 * Upstream providers on the account page (API.md §12): a button per provider on the sign-in form, and
 * once signed in, the linked identities (unlink) and a link button for each provider not linked yet.
 * Imported first: a provider's callback leaves `#signed-in=` (the user and deadlines, no token) in the
 * address bar, or `#mfa=` when the user has a second factor to give, read here before recovery.js
 * clears the fragment.
 */
import type { AuthClient, LoggedInUser, SecondStep } from '../sdk/auth-client.js';
import { $, element, field, onSubmit, say, show } from './dom.js';
import { askSecondStep } from './sign-in.js';

const redirected = /^#(signed-in|mfa)=/.test(location.hash) ? location.hash : null;
/** A mailed email sign-in link (`#token=`): used once the page is up, then gone from the address bar. */
const mailedToken = /^#token=([A-Za-z0-9_-]{1,200})$/.exec(location.hash)?.[1] ?? null;
let providers: string[] = [];
/** The page's client: its fetch carries the session (and the DPoP proof of a bound one, API.md §14). */
let client: AuthClient;
/** Cookie-authenticated requests that change something carry the header that a cross-site form cannot (CSRF). */
const COOKIE_MODE = { 'x-session-transport': 'cookie' };

interface Identity {
  id: string;
  provider: string;
  email: string | null;
  createdAt: string;
}

const title = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

function button(label: string, onClick: () => void, className = 'secondary'): HTMLButtonElement {
  const node = element('button', label, className);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

async function messageOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { message?: string } | null;
  return body?.message ?? `Error ${response.status}`;
}

/** Records a session a provider opened, and shows a button per configured provider on the sign-in form; resolves to the session policy. */
export async function setupIdentities(auth: AuthClient): Promise<{ signup?: boolean; identityProviders?: string[] }> {
  client = auth;
  if (redirected) secondStepIfAsked(await auth.completeRedirect(redirected).catch(() => null));
  if (mailedToken) {
    secondStepIfAsked(
      await auth.loginWithEmail({ token: mailedToken }).catch(() => void say('email-sign-in-error', 'This link has expired or was used.')),
    );
  }
  setupEmailSignIn(auth);
  const policy = (await fetch('/.well-known/session-policy')
    .then((response) => response.json())
    .catch(() => ({}))) as { signup?: boolean; identityProviders?: string[] };
  providers = policy.identityProviders ?? [];
  $('provider-buttons').replaceChildren(
    ...providers.map((name) =>
      button(`Sign in with ${title(name)}`, () => {
        const keep = ($('sign-in-keep') as HTMLInputElement).checked;
        location.assign(`/auth/oidc/${encodeURIComponent(name)}?returnTo=%2Faccount${keep ? '&permanent=true' : ''}`);
      }),
    ),
  );
  show('providers', providers.length > 0);
  return policy;
}

/** The signed-in user's identities, with unlink and link buttons. */
export async function showIdentities(): Promise<void> {
  const response = await client.fetch('/me/identities');
  if (!response.ok) throw new Error(await messageOf(response));
  const identities = (await response.json()) as Identity[];
  show('identities', providers.length > 0 || identities.length > 0);
  $('identity-list').replaceChildren(
    ...identities.map((identity) => {
      const item = element('li');
      const about = element('div');
      about.append(element('div', title(identity.provider), 'name'), element('p', identity.email ?? '', 'detail'));
      const unlink = () => act(() => client.fetch(`/me/identities/${identity.id}`, { method: 'DELETE', headers: COOKIE_MODE }));
      item.append(
        about,
        button(`Unlink ${title(identity.provider)}`, () => void unlink(), ''),
      );
      return item;
    }),
  );
  show('identities-none', identities.length === 0);
  const linked = new Set(identities.map((identity) => identity.provider));
  $('link-buttons').replaceChildren(
    ...providers
      .filter((name) => !linked.has(name))
      .map((name) =>
        button(`Link ${title(name)}`, () => {
          void act(async () => {
            const started = await client.fetch(`/me/identities/${encodeURIComponent(name)}?returnTo=%2Faccount`, {
              method: 'POST',
              headers: COOKIE_MODE,
            });
            if (started.ok) location.assign(((await started.json()) as { url: string }).url);
            return started;
          });
        }),
      ),
  );
}

async function act(request: () => Promise<Response>): Promise<void> {
  say('identities-error', null);
  const response = await request().catch(() => null);
  if (!response?.ok) return say('identities-error', response ? await messageOf(response) : 'No answer');
  if (response.status === 204) await showIdentities().catch((error: Error) => say('identities-error', error.message));
}

/** A sign-in that stopped at the user's second factor (API.md §11) goes on in the page's second step. */
function secondStepIfAsked(result: LoggedInUser | SecondStep | null | undefined): void {
  if (result && 'mfaRequired' in result) askSecondStep(result);
}

/** Email sign-in: the address first (always the same answer), then the code from the mail. */
function setupEmailSignIn(auth: AuthClient): void {
  const form = $<HTMLFormElement>('email-sign-in');
  let asked = false;
  onSubmit('email-sign-in', async () => {
    say('email-sign-in-error', null);
    const email = field(form, 'email').trim();
    try {
      if (!asked) {
        await auth.requestEmailSignIn(email);
        asked = true;
        show('email-sign-in-code-step', true);
        $('email-sign-in-submit').textContent = 'Sign in';
        say('email-sign-in-status', 'If this address is verified, a code is on its way.');
        return;
      }
      const keep = ($('sign-in-keep') as HTMLInputElement).checked;
      const result = await auth.loginWithEmail({ email, code: field(form, 'code').trim() }, { permanent: keep });
      form.reset();
      secondStepIfAsked(result);
    } catch {
      say('email-sign-in-error', 'That did not work: check the code, or wait and try again.');
    }
  });
}
