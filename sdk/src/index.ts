/*
 * @refresh-auth/client: sign in, stay signed in, call your API. Runs in browsers (ESM; the server
 * also serves this file at /sdk/auth-client.js) and in Node 20+. Its one dependency,
 * @simplewebauthn/browser (passkeys), is bundled into the built file by build.cjs: nothing is
 * fetched from anywhere but the auth service.
 */
import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication, startRegistration } from '@simplewebauthn/browser';
import type {
  ClientHistoryResponse,
  ClientResponse,
  EmailResponse,
  ErrorBody,
  FactorsResponse,
  ForgotPasswordResponse,
  LoggedInUser,
  LoginResponse,
  MeResponse,
  MfaRequiredBody,
  PasskeyResponse,
  ReauthenticateResponse,
  RecoveryCodesResponse,
  RefreshResponse,
  SecondFactorMethod,
  TokensResponse,
  TotpEnrolmentResponse,
  UserResponse,
} from './types.js';

export type {
  ClientEnding,
  ClientHistoryResponse,
  ClientResponse,
  EmailResponse,
  ErrorBody,
  FactorsResponse,
  ForgotPasswordResponse,
  LoggedInUser,
  LoginResponse,
  MeResponse,
  MfaRequiredBody,
  PasskeyResponse,
  ReauthenticateResponse,
  RecoveryCodesResponse,
  RefreshResponse,
  SecondFactorMethod,
  TokensResponse,
  TotpEnrolmentResponse,
  UserResponse,
} from './types.js';

/** Why the client is signed out. The last four come from the server and end the session for good. */
export type SignOutReason = 'logout' | 'expired' | 'invalid' | 'revoked' | 'reused' | 'idle_expired' | 'absolute_expired';

const TERMINAL = new Set(['revoked', 'reused', 'idle_expired', 'absolute_expired']);

export type AuthState =
  | { status: 'signed-out'; reason: SignOutReason | null }
  | {
      status: 'signed-in';
      user: LoggedInUser;
      permanent: boolean;
      /** Epoch milliseconds: the access token's expiry, the refresh token's idle and absolute deadlines. */
      accessExpiresAt: number;
      refreshExpiresAt: number | null;
      sessionExpiresAt: number | null;
    };

/** A string store: `localStorage`, `sessionStorage`, or your own (may be async). */
export interface TokenStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
}

export interface AuthClientOptions {
  /** The auth service, e.g. `https://auth.example.com` or, on its own origin, `location.origin`. */
  baseUrl: string;
  /**
   * `cookie`: the service keeps both tokens in HttpOnly cookies; this client never sees one (browsers).
   * `header`: tokens travel in bodies and the Authorization header (Node, native apps).
   */
  transport: 'cookie' | 'header';
  /**
   * Where the session record lives. Header mode: memory by default; passing `localStorage` keeps the
   * refresh token across reloads but lets any script of the origin (an XSS) read it. Cookie mode: the
   * record holds no token (user and deadlines only), shared through `localStorage` when there is one.
   */
  storage?: TokenStorage;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** How long to wait for another tab's refresh before refreshing anyway (default 10 s). */
  lockTimeoutMs?: number;
  /**
   * Header mode: the origins besides `baseUrl`'s that `auth.fetch()` sends the access token to (your
   * APIs, e.g. `https://api.example.com`). Any other URL gets the request without the token.
   */
  tokenOrigins?: string[];
  /**
   * Called when the server wants recent authentication for a request (`reauthentication_required`):
   * ask the user for the password (or a code, or a passkey) and call `auth.reauthenticate(...)`. The request is then sent
   * once more (once only). Return false when the user cancels: the request then fails with that 401.
   * Without it, such a request fails with an AuthError whose reason is `reauthentication_required`.
   */
  onReauthenticate?: (request: ReauthenticationRequest) => Promise<boolean | void> | boolean | void;
  /**
   * DPoP (RFC 9449): binds the session to a key this device cannot export, so a refresh or access
   * token copied off it is useless elsewhere. Default `true` where WebCrypto and IndexedDB exist
   * (browsers: a non-extractable ES256 key, one per origin and service, kept in IndexedDB); `false`
   * elsewhere. Node: pass your key pair (`{ privateKey, publicJwk }` or a CryptoKeyPair, ES256 or
   * Ed25519); `true` there makes a key that lives as long as the process. `false` turns it off.
   */
  dpop?: boolean | DpopKeyPair;
}

/** A DPoP key pair of your own (WebCrypto keys): the private key signs, the public JWK goes in every proof. */
export type DpopKeyPair = { privateKey: DpopCryptoKey; publicKey: DpopCryptoKey } | { privateKey: DpopCryptoKey; publicJwk: DpopJwk };
/** WebCrypto's CryptoKey, opaque here: the client compiles without the DOM's types too. */
export type DpopCryptoKey = object;
export interface DpopJwk {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
}

/** What the server asked for: authentication within `maxAge` seconds (RFC 9470; null when not readable). */
export interface ReauthenticationRequest {
  maxAge: number | null;
}

/** Every failure of this client: the HTTP status (0: no answer), and the server's reason and action. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string | null = null,
    readonly action: 'refresh' | 'reauthenticate' | null = null,
    readonly body: ErrorBody | null = null,
  ) {
    super(message);
  }
}

export interface AuthClient {
  readonly state: AuthState;
  /** Calls the listener on every change of state, in this tab or another; returns the unsubscribe. */
  onChange(listener: (state: AuthState) => void): () => void;
  signUp(credentials: { username: string; password: string }): Promise<UserResponse>;
  /**
   * Signs in with a password. A user with a second factor gets a `SecondStep` instead of the user
   * (`'mfaRequired' in result`): no session exists until one of its `complete…` calls succeeds.
   */
  login(credentials: { username: string; password: string; permanent?: boolean }): Promise<LoggedInUser | SecondStep>;
  /**
   * Signs in with a passkey alone (discoverable credential, user verification): browsers only. With
   * `conditional`, the browser offers the passkeys in the autofill of an input marked
   * `autocomplete="username webauthn"` and the promise settles when the user picks one (rejects with a
   * NotSupportedError where conditional mediation is not supported: see `passkeySupport()`). Another
   * passkey ceremony started meanwhile (a button's) aborts a pending conditional one (AbortError).
   */
  loginWithPasskey(options?: { permanent?: boolean; conditional?: boolean }): Promise<LoggedInUser>;
  /** What this browser offers: passkeys at all, and in the autofill (conditional mediation). */
  passkeySupport(): Promise<{ passkeys: boolean; autofill: boolean }>;
  logout(): Promise<void>;
  /**
   * Cookie mode: records the session a redirect sign-in (an upstream provider, GET /auth/oidc/<name>)
   * opened, from the `#signed-in=` fragment its callback left on the page (the user and the deadlines,
   * no token). Resolves to the user; to a `SecondStep` when the callback left `#mfa=` (the user has a
   * second factor: no session until it is complete); or null when the fragment holds neither.
   */
  completeRedirect(hash: string): Promise<LoggedInUser | SecondStep | null>;
  /** Email sign-in: asks for a mail with a link and a 6-digit code (202 whatever the address, so it tells nothing). */
  requestEmailSignIn(email: string): Promise<void>;
  /** Finishes an email sign-in with the mailed code (and its address) or the link's token; like login(), a second factor gives a `SecondStep`. */
  loginWithEmail(input: { email: string; code: string } | { token: string }, options?: { permanent?: boolean }): Promise<LoggedInUser | SecondStep>;
  me(): Promise<MeResponse>;
  changePassword(input: { currentPassword: string; newPassword: string }): Promise<void>;
  /**
   * Proves who the user is again, for actions that need recent authentication: this client gets a
   * fresh access token. A password (a string), a code of a second factor, or a passkey (browsers). A
   * wrong password rejects with status 401 and reason `invalid_credentials`.
   */
  reauthenticate(proof: string | ReauthenticationProof): Promise<void>;
  /**
   * The signed-in user's second factors (API.md §11). Adding or removing one needs recent
   * authentication: the `onReauthenticate` hook is asked, as for any such request.
   */
  factors: {
    list(): Promise<FactorsResponse>;
    totp: {
      /** A new secret, pending until `confirm`: show `otpauthUri` as a QR code and `secret` as text. */
      begin(): Promise<TotpEnrolmentResponse>;
      /** Turns TOTP on; resolves to the new recovery codes when the user had none (show them once), else null. */
      confirm(code: string): Promise<string[] | null>;
      remove(): Promise<void>;
    };
    passkeys: {
      /**
       * Creates a passkey on this device (browsers) and registers it under `name`; `recoveryCodes` when
       * it is the user's first factor and they had none (show them once).
       */
      add(name?: string): Promise<Pick<PasskeyResponse, 'id' | 'name' | 'createdAt'> & RecoveryCodesResponse>;
      rename(id: string, name: string): Promise<void>;
      /**
       * Removes a passkey; with `endSessions`, also ends the devices it signed in (this one last, which
       * then signs out).
       */
      remove(id: string, options?: { endSessions?: boolean }): Promise<void>;
    };
    recoveryCodes: {
      /** Ten new codes (show them once); the old ones stop working. */
      regenerate(): Promise<string[]>;
    };
  };
  sessions: {
    /** Every live client of the user, newest first; with `includeEnded`, also those that ended lately, and why. */
    list<Ended extends boolean = false>(options?: { includeEnded?: Ended }): Promise<Ended extends true ? ClientHistoryResponse[] : ClientResponse[]>;
    end(id: string): Promise<void>;
    endOthers(): Promise<void>;
  };
  /** Account recovery; needs no sign-in. A reset ends every client of the user, this one included. */
  password: {
    forgot(email: string): Promise<ForgotPasswordResponse>;
    reset(input: { token: string; newPassword: string }): Promise<void>;
  };
  /** The signed-in user's email: a new one is pending until the link mailed to it is followed. */
  email: {
    get(): Promise<EmailResponse>;
    set(email: string): Promise<void>;
    verify(token: string): Promise<void>;
  };
  /** The device's live stream of session events (GET /clients/current/events). */
  events: {
    /**
     * Calls `onEvent` for each event of this device's stream, once each, in order; returns the stop.
     * The stream outlives access tokens: the server ends it at each token's exp, and this client
     * opens the next one with the refreshed token before the old one ends. `onEnd` is called once,
     * when the session is over (this client's `session.ended`, or signed out): the reason. `onOpen`
     * is called each time a connection is open (the server then holds it for this device).
     */
    subscribe(onEvent: (event: StreamedEvent) => void, options?: { onEnd?: (reason: string) => void; onOpen?: () => void }): () => void;
  };
  /**
   * fetch for the app's own API: authenticated, refreshed once and retried once on an expired token.
   * Header mode sends the token only to `baseUrl`'s origin and `tokenOrigins`, never to any other URL.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Refreshes now (single-flight); false when there is nothing to refresh or the session ended. */
  refresh(): Promise<boolean>;
  /** Stops timers and listeners (a Node script calls it before exiting). */
  close(): void;
}

/** What `auth.reauthenticate` accepts besides a password string. */
export type ReauthenticationProof = { password: string } | { method: 'totp' | 'recovery_code'; code: string } | { method: 'passkey' };

/**
 * What `auth.login` resolves to when the password was right and a second factor is needed. The
 * mfaToken inside lives `expiresIn` seconds, is spent by a success and dies after 5 wrong codes.
 */
export interface SecondStep {
  readonly mfaRequired: true;
  /** The factors this user may finish with. */
  readonly methods: SecondFactorMethod[];
  readonly expiresIn: number;
  /**
   * Finishes with a TOTP or recovery code; without `method`, six digits are taken as TOTP when the
   * user has it, anything else as a recovery code. A wrong code rejects (401); try again.
   */
  completeWithCode(code: string, method?: 'totp' | 'recovery_code'): Promise<LoggedInUser>;
  /** Finishes with one of the user's passkeys (browsers). */
  completeWithPasskey(): Promise<LoggedInUser>;
}

/** One event of the device's stream (API.md §9): a session event or an app notification. */
export interface StreamedEvent {
  id: string;
  type: string;
  /** ISO 8601. */
  occurredAt: string;
  userId?: string;
  clientId?: string;
  /** True when it is about this client (this device). */
  current: boolean;
  data: unknown;
}

/** What is stored: never a token in cookie mode. */
interface SessionRecord {
  user: LoggedInUser;
  permanent: boolean;
  accessToken?: string;
  refreshToken?: string;
  accessTtl: number;
  accessExpiresAt: number;
  refreshExpiresAt: number | null;
  sessionExpiresAt: number | null;
  /** The server bound the session to this device's DPoP key (token type `DPoP`). */
  bound?: boolean;
}

interface Channel {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

interface Locks {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<unknown>): Promise<unknown>;
}

const browser = globalThis as unknown as {
  localStorage?: TokenStorage;
  BroadcastChannel?: new (name: string) => Channel;
  navigator?: { locks?: Locks };
};

function memoryStorage(): TokenStorage {
  const items = new Map<string, string>();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

/** The browser's localStorage, where there is one and it may be used. */
function localStorageOrNull(): TokenStorage | null {
  try {
    return browser.localStorage ?? null;
  } catch {
    return null; // reading localStorage throws where storage is blocked
  }
}

/** The origin of an absolute http(s) URL; a TypeError for anything else (a misconfigured tokenOrigins fails early). */
function originOf(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (parsed?.protocol !== 'https:' && parsed?.protocol !== 'http:') throw new TypeError(`not an http(s) URL: ${url}`);
  return parsed.origin;
}

export function createAuthClient(options: AuthClientOptions): AuthClient {
  return new Client(options);
}

class Client implements AuthClient {
  private readonly base: string;
  private readonly cookie: boolean;
  private readonly storage: TokenStorage;
  private readonly send: typeof fetch;
  private readonly key: string;
  private readonly channel: Channel | null;
  private readonly listeners = new Set<(state: AuthState) => void>();
  private record: SessionRecord | null = null;
  private current: AuthState = { status: 'signed-out', reason: null };
  private loaded: Promise<void>;
  private refreshing: Promise<boolean> | null = null;
  private reauthenticating: Promise<boolean> | null = null;
  /** Prompts that ended in a reauthentication: a 401 sent before the latest one needs no prompt of its own. */
  private reauthentications = 0;
  /** Header mode: where an access token may go. */
  private readonly tokenOrigins: Set<string>;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly streams = new Set<EventStream>();
  /** Null: no DPoP. */
  private readonly dpop: DpopSigner | null;

  constructor(private readonly options: AuthClientOptions) {
    if (options.transport !== 'cookie' && options.transport !== 'header') throw new TypeError('transport must be "cookie" or "header"');
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.cookie = options.transport === 'cookie';
    this.tokenOrigins = new Set([this.base, ...(options.tokenOrigins ?? [])].map(originOf));
    const local = this.cookie && !options.storage ? localStorageOrNull() : null;
    this.storage = options.storage ?? local ?? memoryStorage();
    this.send = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.key = `refresh-auth:${this.base}:${options.transport}`;
    // Tabs share a record only through a shared storage; the channel tells them when it changed.
    const shared = options.storage !== undefined || local !== null;
    this.channel = shared && browser.BroadcastChannel ? new browser.BroadcastChannel(this.key) : null;
    if (this.channel) {
      this.channel.onmessage = () => void this.reload();
      (this.channel as { unref?: () => void }).unref?.();
    }
    this.loaded = this.reload();
    this.dpop = dpopSigner(options.dpop, this.key);
  }

  get state(): AuthState {
    return this.current;
  }

  onChange(listener: (state: AuthState) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async signUp(credentials: { username: string; password: string }): Promise<UserResponse> {
    return this.json(await this.transmit(this.request('POST', '/users', credentials, false)));
  }

  async login({
    username,
    password,
    permanent = false,
  }: {
    username: string;
    password: string;
    permanent?: boolean;
  }): Promise<LoggedInUser | SecondStep> {
    const response = await this.transmit(this.request('POST', `/auth?permanent=${permanent}`, { username, password }, false));
    if (response.status === 403 && (await this.reasonOf(response)) === 'mfa_required')
      return this.secondStep((await response.json()) as MfaRequiredBody, permanent);
    return this.signedIn(response, permanent);
  }

  private secondStep({ mfaToken, methods, expiresIn }: MfaRequiredBody, permanent: boolean): SecondStep {
    // The server remembers `permanent` with the mfaToken; this client remembers it for its record.
    const finish = async (body: Record<string, unknown>) =>
      this.signedIn(await this.transmit(this.request('POST', '/auth/mfa', { mfaToken, ...body }, false)), permanent);
    return {
      mfaRequired: true,
      methods,
      expiresIn,
      completeWithCode: (code, method) => {
        const kind = method ?? (/^\d{6}$/.test(code.trim()) && methods.includes('totp') ? 'totp' : 'recovery_code');
        return finish({ method: kind, code: code.trim() });
      },
      completeWithPasskey: async () => finish({ method: 'passkey', credential: await this.assertion('/auth/mfa/options', { mfaToken }) }),
    };
  }

  async loginWithPasskey({ permanent = false, conditional = false }: { permanent?: boolean; conditional?: boolean } = {}): Promise<LoggedInUser> {
    if (conditional && !(await browserSupportsWebAuthnAutofill()))
      throw new DOMException('This browser has no passkey autofill', 'NotSupportedError');
    const credential = await this.assertion('/auth/passkey/options', undefined, conditional);
    return this.signedIn(await this.transmit(this.request('POST', `/auth/passkey?permanent=${permanent}`, { credential }, false)), permanent);
  }

  async passkeySupport(): Promise<{ passkeys: boolean; autofill: boolean }> {
    return { passkeys: browserSupportsWebAuthn(), autofill: await browserSupportsWebAuthnAutofill() };
  }

  /** Asks the service for WebAuthn request options, then the browser (and the user) for an assertion. */
  private async assertion(path: string, body?: unknown, conditional = false): Promise<unknown> {
    const optionsJSON = await this.json<Parameters<typeof startAuthentication>[0]['optionsJSON']>(
      await this.transmit(this.request('POST', path, body, false)),
    );
    return startAuthentication({ optionsJSON, useBrowserAutofill: conditional });
  }

  /** A login's answer (POST /auth, /auth/mfa, /auth/passkey): stores the session, or throws its error. */
  private async signedIn(response: Response, permanent: boolean): Promise<LoggedInUser> {
    const body = await this.json<LoginResponse>(response);
    await this.save(this.toRecord(body.user, permanent, body.token), null);
    return body.user;
  }

  async logout(): Promise<void> {
    await this.loaded;
    // Under the refresh lock, so that no tab refreshes with the cookies this logout clears.
    await this.withLock(async () => {
      await this.reload();
      try {
        let response = await this.transmit(this.request('POST', '/auth/logout'));
        const reason = response.status === 401 ? await this.reasonOf(response) : null;
        if (response.status === 401 && this.record?.permanent && !TERMINAL.has(reason ?? '')) {
          if (await this.refreshUnderLock(this.record.accessExpiresAt, false)) response = await this.transmit(this.request('POST', '/auth/logout'));
        }
        if (!response.ok && response.status !== 401) throw await this.error(response);
      } finally {
        // Whatever ended the session before (a refused refresh, say), every tab now says the user logged out.
        await this.save(null, 'logout');
      }
    });
  }

  async requestEmailSignIn(email: string): Promise<void> {
    await this.json(await this.transmit(this.request('POST', '/auth/email', { email }, false)));
  }

  async loginWithEmail(
    input: { email: string; code: string } | { token: string },
    { permanent = false }: { permanent?: boolean } = {},
  ): Promise<LoggedInUser | SecondStep> {
    const response = await this.transmit(this.request('POST', `/auth/email/verify?permanent=${permanent}`, input, false));
    if (response.status === 403 && (await this.reasonOf(response)) === 'mfa_required')
      return this.secondStep((await response.json()) as MfaRequiredBody, permanent);
    return this.signedIn(response, permanent);
  }

  async completeRedirect(hash: string): Promise<LoggedInUser | SecondStep | null> {
    const match = /^#(signed-in|mfa)=([A-Za-z0-9_-]{1,4000})$/.exec(hash);
    if (!match || !this.cookie) return null;
    let body: (LoginResponse & MfaRequiredBody & { permanent?: unknown }) | null;
    try {
      // ASCII only (usernames, ids, deadlines, tokens), so atob's Latin-1 is the text.
      body = JSON.parse(atob(match[2].replace(/-/g, '+').replace(/_/g, '/'))) as LoginResponse & MfaRequiredBody;
    } catch {
      return null;
    }
    if (match[1] === 'mfa') {
      // The provider's sign-in stopped at the user's second factor: the app finishes it like a login's.
      if (typeof body?.mfaToken !== 'string' || !Array.isArray(body.methods)) return null;
      return this.secondStep(body, body.permanent === true);
    }
    if (typeof body?.user?.id !== 'string' || typeof body.token?.expiresIn !== 'number') return null;
    await this.loaded;
    await this.save(this.toRecord(body.user, Boolean(body.token.refreshExpiresAt), body.token), null);
    return body.user;
  }

  async me(): Promise<MeResponse> {
    return this.json(await this.authed(() => this.request('GET', '/me')));
  }

  async changePassword(input: { currentPassword: string; newPassword: string }): Promise<void> {
    await this.json(await this.authed(() => this.request('POST', '/me/password', input)));
  }

  async reauthenticate(proof: string | ReauthenticationProof): Promise<void> {
    const body =
      typeof proof === 'string'
        ? { password: proof }
        : 'password' in proof
          ? { password: proof.password }
          : proof.method === 'passkey'
            ? { method: 'passkey', credential: await this.assertion('/auth/passkey/options') }
            : { method: proof.method, code: proof.code.trim() };
    const response = await this.authed(() => this.request('POST', '/auth/reauthenticate', body), false);
    const { token } = await this.json<ReauthenticateResponse>(response);
    // Under the refresh lock, on the latest record: only the access token changes, never a refresh
    // token another tab rotated meanwhile.
    await this.withLock(async () => {
      await this.reload();
      if (!this.record) return;
      const accessToken = this.cookie ? undefined : token.accessToken;
      await this.save({ ...this.record, accessToken, accessTtl: token.expiresIn * 1000, accessExpiresAt: Date.now() + token.expiresIn * 1000 }, null);
    });
  }

  readonly sessions = {
    list: async <Ended extends boolean = false>({ includeEnded }: { includeEnded?: Ended } = {}) => {
      const clients: ClientHistoryResponse[] = [];
      let path: string | null = includeEnded ? '/clients?include=ended' : '/clients';
      // Follow the RFC 8288 `Link: <…>; rel="next"` pages.
      for (let page = 0; path && page < 1000; page += 1) {
        const url: string = path;
        const response = await this.authed(() => this.request('GET', url));
        clients.push(...(await this.json<ClientHistoryResponse[]>(response)));
        const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
        path = next ? new URL(next, response.url || `${this.base}${url}`).href : null;
      }
      return clients as Ended extends true ? ClientHistoryResponse[] : ClientResponse[];
    },
    end: async (id: string): Promise<void> => {
      const own = this.record?.user.clientId === id;
      await this.json(await this.authed(() => this.request('DELETE', `/clients/${encodeURIComponent(id)}`)));
      if (own) await this.save(null, 'logout');
    },
    endOthers: async (): Promise<void> => {
      await this.json(await this.authed(() => this.request('DELETE', '/clients')));
    },
  };

  readonly factors = {
    list: async (): Promise<FactorsResponse> => this.json(await this.authed(() => this.request('GET', '/me/factors'))),
    totp: {
      begin: async (): Promise<TotpEnrolmentResponse> => this.json(await this.authed(() => this.request('POST', '/me/totp'))),
      confirm: async (code: string): Promise<string[] | null> => {
        const body = await this.json<RecoveryCodesResponse>(await this.authed(() => this.request('POST', '/me/totp/confirm', { code: code.trim() })));
        return body.recoveryCodes ?? null;
      },
      remove: async (): Promise<void> => {
        await this.json(await this.authed(() => this.request('DELETE', '/me/totp')));
      },
    },
    passkeys: {
      add: async (name?: string): Promise<Pick<PasskeyResponse, 'id' | 'name' | 'createdAt'> & RecoveryCodesResponse> => {
        const optionsJSON = await this.json<Parameters<typeof startRegistration>[0]['optionsJSON']>(
          await this.authed(() => this.request('POST', '/me/passkeys/options')),
        );
        const credential = await startRegistration({ optionsJSON });
        return this.json(await this.authed(() => this.request('POST', '/me/passkeys', name ? { credential, name } : { credential })));
      },
      rename: async (id: string, name: string): Promise<void> => {
        await this.json(await this.authed(() => this.request('PATCH', `/me/passkeys/${encodeURIComponent(id)}`, { name })));
      },
      remove: async (id: string, { endSessions = false }: { endSessions?: boolean } = {}): Promise<void> => {
        await this.json(await this.authed(() => this.request('DELETE', `/me/passkeys/${encodeURIComponent(id)}?endSessions=${endSessions}`)));
        // The server ended the devices it signed in, maybe this one: a request tells this client (which then signs out).
        if (endSessions) await this.me().catch(() => undefined);
      },
    },
    recoveryCodes: {
      regenerate: async (): Promise<string[]> => {
        const body = await this.json<RecoveryCodesResponse>(await this.authed(() => this.request('POST', '/me/recovery-codes')));
        return body.recoveryCodes ?? [];
      },
    },
  };

  readonly password = {
    forgot: async (email: string): Promise<ForgotPasswordResponse> =>
      this.json(await this.transmit(this.request('POST', '/password/forgot', { email }, false))),
    reset: async (input: { token: string; newPassword: string }): Promise<void> => {
      await this.json(await this.transmit(this.request('POST', '/password/reset', input, false)));
    },
  };

  readonly email = {
    get: async (): Promise<EmailResponse> => this.json(await this.authed(() => this.request('GET', '/me/email'))),
    set: async (email: string): Promise<void> => {
      await this.json(await this.authed(() => this.request('PUT', '/me/email', { email })));
    },
    verify: async (token: string): Promise<void> => {
      await this.json(await this.authed(() => this.request('POST', '/me/email/verify', { token })));
    },
  };

  readonly events = {
    subscribe: (
      onEvent: (event: StreamedEvent) => void,
      { onEnd, onOpen }: { onEnd?: (reason: string) => void; onOpen?: () => void } = {},
    ): (() => void) => {
      const stream: EventStream = new EventStream({
        state: () => this.current,
        onChange: (listener) => this.onChange(listener),
        open: (signal) =>
          this.authed(() => {
            const request = this.request('GET', '/clients/current/events');
            request.headers.set('accept', 'text/event-stream');
            return new Request(request, { signal });
          }),
        // The server said this client ended: a request lets this client learn why, and sign out.
        learnEnding: () => void this.me().catch(() => undefined),
        onEvent,
        onOpen: () => onOpen?.(),
        onEnd: (reason) => {
          this.streams.delete(stream);
          onEnd?.(reason);
        },
      });
      this.streams.add(stream);
      return () => stream.stop('closed');
    },
  };

  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    // A Request can be sent once; the retry after a refresh sends a fresh clone, body included.
    const original = new Request(input, init);
    // Header mode: a URL the app did not name gets no token, whoever wrote that URL.
    if (!this.cookie && !this.tokenOrigins.has(new URL(original.url).origin)) return this.transmit(original);
    return this.authed(() => {
      const request = new Request(original.clone(), this.cookie ? { credentials: 'include' } : {});
      if (this.cookie) request.headers.set('x-session-transport', 'cookie');
      else if (this.record?.accessToken) request.headers.set('authorization', `${this.record.bound ? 'DPoP' : 'Bearer'} ${this.record.accessToken}`);
      return request;
    });
  }

  async refresh(): Promise<boolean> {
    await this.loaded;
    return this.refreshOnce(this.record?.accessExpiresAt ?? 0);
  }

  close(): void {
    this.closed = true;
    for (const stream of [...this.streams]) stream.stop('closed');
    if (this.timer) clearTimeout(this.timer);
    this.channel?.close();
    this.listeners.clear();
  }

  /**
   * Sends a request that needs the access token. A 401 that a refresh may cure (expired, or a cookie
   * the browser already dropped) is refreshed once and the request sent once more; a 401 that ends
   * the session (revoked, reused, idle_expired, absolute_expired) signs out and says why.
   */
  private async authed(build: () => Request, reauthenticate = true): Promise<Response> {
    const before = this.reauthentications;
    const first = await this.authedOnce(build);
    if (!reauthenticate || first.status !== 401 || (await this.reasonOf(first)) !== 'reauthentication_required') return first;
    // A prompt that ended while this request was on its way already answered it: send it again as is.
    if (this.reauthentications === before && !(await this.askToReauthenticate(first))) return first;
    // Once: a second reauthentication_required is the caller's answer, never another prompt.
    return this.authedOnce(build);
  }

  /** The app's onReauthenticate, once for any number of requests that asked at the same time. */
  private askToReauthenticate(response: Response): Promise<boolean> {
    const hook = this.options.onReauthenticate;
    if (!hook) return Promise.resolve(false);
    const maxAge = /max_age="?(\d+)/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
    this.reauthenticating ??= Promise.resolve()
      .then(() => hook({ maxAge: maxAge ? Number(maxAge) : null }))
      .then((result) => {
        if (result !== false) this.reauthentications += 1;
        return result !== false;
      })
      .finally(() => (this.reauthenticating = null));
    return this.reauthenticating;
  }

  private async authedOnce(build: () => Request): Promise<Response> {
    await this.loaded;
    const seen = this.record;
    // A timer may not have fired (a throttled background tab): refresh first rather than collect a 401.
    if (seen?.permanent && seen.accessExpiresAt - Date.now() <= seen.accessTtl * 0.05)
      await this.refreshOnce(seen.accessExpiresAt).catch(() => false);
    const seenExpiry = this.record?.accessExpiresAt ?? 0;
    const first = await this.transmit(build());
    if (first.status !== 401) return first;
    const reason = await this.reasonOf(first);
    if (reason && TERMINAL.has(reason)) {
      if (this.record) await this.save(null, reason as SignOutReason);
      return first;
    }
    // The token is fine; the user is asked (authed), or gave a wrong password: a refresh cures neither.
    if (reason === 'reauthentication_required' || reason === 'invalid_credentials') return first;
    if (!this.record) return first;
    if (!(await this.refreshOnce(seenExpiry))) return first;
    return this.transmit(build());
  }

  /** At most one refresh in flight per page, and (Web Locks) per origin across tabs. */
  private refreshOnce(seenExpiry: number): Promise<boolean> {
    this.refreshing ??= this.withLock(() => this.refreshUnderLock(seenExpiry)).finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** `signOut`: a refused refresh token signs the page out, with the server's reason (a logout says its own). */
  private async refreshUnderLock(seenExpiry: number, signOut = true): Promise<boolean> {
    // Another tab may have refreshed while this one waited for the lock: take its result instead.
    await this.reload();
    const record = this.record;
    if (!record) return false;
    if (record.accessExpiresAt > seenExpiry) return true;
    if (!record.permanent) {
      await this.save(null, 'expired');
      return false;
    }
    const response = this.cookie
      ? await this.transmit(this.request('POST', '/token', undefined, false))
      : await this.transmit(this.request('POST', '/token', { refreshToken: record.refreshToken }, false));
    if (response.status === 401) {
      const reason = ((await this.reasonOf(response)) ?? 'invalid') as SignOutReason;
      // Ended meanwhile by another tab (a logout there cleared the cookie this refresh sent): its reason stands.
      await this.reload();
      if (this.record && signOut) await this.save(null, reason);
      return false;
    }
    const body = await this.json<RefreshResponse>(response);
    await this.save(this.toRecord(record.user, true, body.token), null);
    return true;
  }

  /** Runs refreshes and logouts one at a time: in this page always, across tabs where Web Locks exist. */
  private withLock<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => this.withOriginLock(task));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async withOriginLock<T>(task: () => Promise<T>): Promise<T> {
    const locks = browser.navigator?.locks;
    if (!locks) return task();
    // A tab that holds the lock too long (frozen, say) must not stall the others: after the timeout
    // they go ahead, and the server's grace window gives a duplicate refresh the same successor.
    const signal = AbortSignal.timeout(this.options.lockTimeoutMs ?? 10_000);
    let result: Promise<T> | null = null;
    try {
      await locks.request(`${this.key}:refresh`, { signal }, () => (result = task()).catch(() => undefined));
    } catch (error) {
      if (result) throw error;
      return task();
    }
    return result as unknown as Promise<T>;
  }

  private toRecord(user: LoggedInUser, permanent: boolean, token: TokensResponse): SessionRecord {
    const now = Date.now();
    return {
      user,
      permanent,
      accessToken: this.cookie ? undefined : token.accessToken,
      refreshToken: this.cookie ? undefined : token.refreshToken,
      accessTtl: token.expiresIn * 1000,
      accessExpiresAt: now + token.expiresIn * 1000,
      refreshExpiresAt: token.refreshExpiresAt ? Date.parse(token.refreshExpiresAt) : null,
      sessionExpiresAt: token.sessionExpiresAt ? Date.parse(token.sessionExpiresAt) : null,
      bound: token.tokenType === 'DPoP',
    };
  }

  /** Stores the record (null: signed out), tells the other tabs, and updates this one. */
  private async save(record: SessionRecord | null, reason: SignOutReason | null): Promise<void> {
    if (record) await this.storage.setItem(this.key, JSON.stringify(record));
    else await this.storage.setItem(this.key, JSON.stringify({ signedOut: reason }));
    this.channel?.postMessage('changed');
    this.apply(record, reason);
  }

  private async reload(): Promise<void> {
    let stored: unknown;
    try {
      stored = JSON.parse((await this.storage.getItem(this.key)) ?? 'null');
    } catch {
      stored = null;
    }
    const record = stored && typeof stored === 'object' && 'user' in stored ? (stored as SessionRecord) : null;
    const reason =
      stored && typeof stored === 'object' && 'signedOut' in stored ? ((stored as { signedOut: SignOutReason | null }).signedOut ?? null) : null;
    this.apply(record, reason);
  }

  private apply(record: SessionRecord | null, reason: SignOutReason | null): void {
    const recordChanged = JSON.stringify(record) !== JSON.stringify(this.record);
    this.record = record;
    const next: AuthState = record
      ? {
          status: 'signed-in',
          user: record.user,
          permanent: record.permanent,
          accessExpiresAt: record.accessExpiresAt,
          refreshExpiresAt: record.refreshExpiresAt,
          sessionExpiresAt: record.sessionExpiresAt,
        }
      : { status: 'signed-out', reason };
    if (recordChanged) this.schedule();
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    for (const listener of [...this.listeners]) listener(next);
  }

  /** Refreshes ahead of expiry, when 10-20% of the access token's life is left: the jitter spreads the tabs. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const record = this.record;
    if (this.closed || !record?.permanent) return;
    const at = record.accessExpiresAt - record.accessTtl * (0.1 + 0.1 * Math.random());
    this.later(() => this.refreshOnce(record.accessExpiresAt), at - Date.now());
  }

  private later(task: () => Promise<unknown>, delay: number): void {
    this.timer = setTimeout(
      () => {
        this.timer = null;
        // A failed refresh (no answer, 5xx, 429) keeps the session and tries again shortly.
        task().catch(() => !this.closed && this.record && this.later(() => this.refreshOnce(this.record?.accessExpiresAt ?? 0), 5000));
      },
      Math.max(0, delay),
    );
    // Node: a pending refresh must not keep a script alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** A request to the auth service; `path` may also be an absolute URL (a `Link` to the next page). */
  private request(method: string, path: string, body?: unknown, authenticated = true): Request {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = /^https?:/.test(path) ? path : `${this.base}${path}`;
    if (this.cookie) headers['x-session-transport'] = 'cookie';
    // Only to the service itself: a `Link` to follow could name another origin.
    else if (authenticated && this.record?.accessToken && originOf(url) === originOf(this.base))
      headers.authorization = `${this.record.bound ? 'DPoP' : 'Bearer'} ${this.record.accessToken}`;
    return new Request(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // Cookie mode needs the cookies, also from another origin (CORS_ORIGINS); header mode must not send any.
      credentials: this.cookie ? 'include' : 'omit',
    });
  }

  private async transmit(request: Request): Promise<Response> {
    const dpop = this.dpop;
    const origin = new URL(request.url).origin;
    // Proofs go only where our token may go: the service and tokenOrigins.
    if (!dpop || !this.tokenOrigins.has(origin)) return this.sendOnce(request);
    // At most twice more, with a new proof each time: the server wants its nonce in it (RFC 9449 §8),
    // or refused an iat that its answer's Date showed to come from a clock that is off.
    let response: Response | null = null;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const skew = dpop.skewMs;
      const copy = attempt < 2 ? request.clone() : request;
      response = await this.sendOnce(await dpop.prove(request));
      request = copy;
      const nonce = (await needsNonce(response)) && response.headers.get('dpop-nonce') !== null;
      if (!nonce && !(dpop.skewMs !== skew && (await isProofError(response)))) return response;
    }
    return response!;
  }

  private async sendOnce(request: Request): Promise<Response> {
    try {
      const response = await this.send(request);
      const nonce = response.headers.get('dpop-nonce');
      if (nonce && this.dpop) this.dpop.nonces.set(new URL(request.url).origin, nonce);
      if (this.dpop) this.dpop.learnTime(response.headers.get('date'));
      return response;
    } catch (error) {
      throw new AuthError(0, `No answer from ${this.base}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async reasonOf(response: Response): Promise<string | null> {
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as Partial<ErrorBody> | null;
    return typeof body?.reason === 'string' ? body.reason : null;
  }

  private async json<T>(response: Response): Promise<T> {
    if (!response.ok) throw await this.error(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private async error(response: Response): Promise<AuthError> {
    const body = (await response.json().catch(() => null)) as ErrorBody | null;
    const message = body?.message ? [body.message].flat().join('; ') : `HTTP ${response.status}`;
    return new AuthError(response.status, message, body?.reason ?? null, body?.action ?? null, body);
  }
}

interface EventStreamHooks {
  state(): AuthState;
  onChange(listener: (state: AuthState) => void): () => void;
  /** GET /clients/current/events, authenticated (and refreshed once on an expired token). */
  open(signal: AbortSignal): Promise<Response>;
  learnEnding(): void;
  onOpen(): void;
  onEvent(event: StreamedEvent): void;
  onEnd(reason: string): void;
}

const STREAM_RETRY_MAX_MS = 30_000;
/** Enough ids to recognise every event that two overlapping connections both carried. */
const SEEN_IDS = 256;

/**
 * One subscription to the device's stream, over fetch (EventSource cannot send a Bearer token). The
 * server ends each connection at its access token's exp; a refresh (scheduled before that) opens
 * the next connection, and the old one is closed only once the new one answered, so no event falls
 * in a gap; an event both carried is passed on once (by its id). Should a connection end anyway,
 * the next opens at once, refreshing first when needed; failures retry with backoff.
 */
class EventStream {
  /** The open or opening connections, by age: a connection closes only those older than itself. */
  private readonly connections: AbortController[] = [];
  private readonly seen: string[] = [];
  private expiresAt = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private delay = 1_000;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly hooks: EventStreamHooks) {
    this.unsubscribe = hooks.onChange((state) => {
      if (state.status !== 'signed-in') this.stop(state.reason ?? 'signed-out');
      // A refreshed token: its connection first, then the old one goes.
      else if (state.accessExpiresAt !== this.expiresAt) void this.connect();
    });
    void this.connect();
  }

  /** Ends the subscription (once): every connection closes and onEnd hears why. */
  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    if (this.retry) clearTimeout(this.retry);
    for (const connection of this.connections) connection.abort();
    this.hooks.onEnd(reason);
  }

  private async connect(): Promise<void> {
    const state = this.hooks.state();
    if (this.stopped) return;
    if (state.status !== 'signed-in') return this.stop(state.reason ?? 'signed-out');
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.expiresAt = state.accessExpiresAt;
    const connection = new AbortController();
    this.connections.push(connection);
    const closeOlder = () => this.connections.slice(0, this.connections.indexOf(connection)).forEach((older) => older.abort());
    const newest = () => this.connections.at(-1) === connection;
    try {
      let response = await this.hooks.open(connection.signal);
      // At the per-client cap the overlap cannot be had: the older connections give way first.
      if (response.status === 429 && this.connections.indexOf(connection) > 0 && !connection.signal.aborted) {
        closeOlder();
        response = await this.hooks.open(connection.signal);
      }
      if (!response.ok || !response.body) throw new AuthError(response.status, `The event stream answered ${response.status}`);
      closeOlder();
      this.hooks.onOpen();
      const openedAt = Date.now();
      await this.read(response.body, connection);
      // Ended by the server (at the token's exp, most likely): the next connection now, unless a newer
      // one is there; one that ended at once waits, so a server that keeps ending them is not hammered.
      if (!newest() || this.stopped || connection.signal.aborted) return;
      if (Date.now() - openedAt < 1_000) this.later();
      else {
        this.delay = 1_000;
        void this.connect();
      }
    } catch {
      if (newest() && !this.stopped && !connection.signal.aborted) this.later();
    } finally {
      this.connections.splice(this.connections.indexOf(connection), 1);
    }
  }

  private later(): void {
    const state = this.hooks.state();
    if (state.status !== 'signed-in') return this.stop(state.reason ?? 'signed-out');
    this.retry = setTimeout(() => void this.connect(), this.delay);
    (this.retry as { unref?: () => void }).unref?.();
    this.delay = Math.min(this.delay * 2, STREAM_RETRY_MAX_MS);
  }

  /** Parses Server-Sent Events until the connection ends. */
  private async read(body: ReadableStream<Uint8Array>, connection: AbortController): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    connection.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
        if (data.length > 0 && !this.stopped) this.dispatch(JSON.parse(data.join('\n')) as StreamedEvent);
      }
    }
  }

  private dispatch(event: StreamedEvent): void {
    if (this.seen.includes(event.id)) return;
    this.seen.push(event.id);
    if (this.seen.length > SEEN_IDS) this.seen.shift();
    this.hooks.onEvent(event);
    if (event.type === 'session.ended' && event.current) {
      this.stop(String((event.data as { reason?: unknown } | null)?.reason ?? 'ended'));
      this.hooks.learnEnding();
    }
  }
}

/** A DPoP error asking for the server's nonce: a 401 challenge on a resource, a 400 body on a token endpoint. */
async function needsNonce(response: Response): Promise<boolean> {
  if (response.status === 401) return /error="?use_dpop_nonce/.test(response.headers.get('www-authenticate') ?? '');
  if (response.status !== 400) return false;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { reason?: unknown; error?: unknown } | null;
  return body?.reason === 'use_dpop_nonce' || body?.error === 'use_dpop_nonce';
}

/** A refused proof (the server's word for it), which a retry with a corrected clock may cure. */
async function isProofError(response: Response): Promise<boolean> {
  if (response.status === 401) return /error="?invalid_dpop_proof/.test(response.headers.get('www-authenticate') ?? '');
  if (response.status !== 400) return false;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { reason?: unknown; error?: unknown } | null;
  return body?.reason === 'invalid_dpop_proof' || body?.error === 'invalid_dpop_proof';
}

/** Beyond this, the device's clock is taken to be off, and proofs take their iat from the server's Date. */
const CLOCK_SKEW_MS = 30_000;

interface DpopSigner {
  /** The server nonce last seen, per origin. */
  nonces: Map<string, string>;
  /** How far the server's clock is ahead of this device's, when it is off by more than CLOCK_SKEW_MS (else 0). */
  readonly skewMs: number;
  /** Reads an answer's `Date`: a device clock minutes off would date every proof out of the server's 60 s window. */
  learnTime(date: string | null): void;
  /** The request with a fresh proof (`DPoP`), and `ath` when it carries a DPoP access token. */
  prove(request: Request): Promise<Request>;
}

interface DpopKeyMaterial {
  privateKey: DpopCryptoKey;
  publicJwk: DpopJwk;
}

/* What this client uses of WebCrypto and IndexedDB, declared here (no DOM types in a Node build). */
interface Subtle {
  generateKey(algorithm: object, extractable: boolean, usages: string[]): Promise<unknown>;
  exportKey(format: 'jwk', key: DpopCryptoKey): Promise<DpopJwk>;
  sign(algorithm: object, key: DpopCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}
interface IdbRequest<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key: string): unknown;
}
interface IdbTransaction {
  objectStore(name: string): IdbStore;
  error: unknown;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbDatabase {
  transaction(name: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
  createObjectStore(name: string): unknown;
  close(): void;
}
interface IdbFactory {
  open(name: string, version: number): IdbRequest<IdbDatabase> & { onupgradeneeded: (() => void) | null };
}

const webCrypto = (globalThis as unknown as { crypto?: { subtle?: Subtle; randomUUID?: () => string } }).crypto;
const subtle = webCrypto?.subtle;
const indexedDb = (globalThis as unknown as { indexedDB?: IdbFactory }).indexedDB;

const base64url = (bytes: ArrayBuffer | Uint8Array) => {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const utf8 = (text: string) => new TextEncoder().encode(text);

function dpopSigner(option: AuthClientOptions['dpop'], storageKey: string): DpopSigner | null {
  if (option === false || !subtle) return null;
  let material: Promise<DpopKeyMaterial>;
  if (option && option !== true) material = ownKey(option);
  else if (indexedDb) material = storedKey(storageKey);
  else if (option === true) material = newKey().then(({ record }) => record);
  else return null; // the default outside browsers: off
  // A key that cannot be had (storage blocked, say) leaves requests unproven: the server then binds nothing.
  const usable = material.catch(() => null);
  const nonces = new Map<string, string>();
  let skewMs = 0;
  return {
    nonces,
    get skewMs() {
      return skewMs;
    },
    learnTime(date) {
      const server = date ? Date.parse(date) : NaN;
      if (!Number.isFinite(server)) return;
      // Date has whole seconds: only a clear offset counts, and a corrected clock is left alone.
      const offset = server - Date.now();
      if (Math.abs(offset) > CLOCK_SKEW_MS) skewMs = offset;
      else if (Math.abs(offset - skewMs) > CLOCK_SKEW_MS) skewMs = 0;
    },
    async prove(request) {
      const key = await usable;
      if (!key) return request;
      const { privateKey, publicJwk } = key;
      const url = new URL(request.url);
      const authorization = /^DPoP (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      const ed25519 = publicJwk.kty === 'OKP';
      const header = { typ: 'dpop+jwt', alg: ed25519 ? 'EdDSA' : 'ES256', jwk: publicJwk };
      const payload: Record<string, unknown> = {
        jti: webCrypto!.randomUUID!(),
        htm: request.method,
        htu: `${url.origin}${url.pathname}`,
        iat: Math.floor((Date.now() + skewMs) / 1000),
      };
      if (authorization) payload.ath = base64url(await subtle!.digest('SHA-256', utf8(authorization)));
      const nonce = nonces.get(url.origin);
      if (nonce) payload.nonce = nonce;
      const input = `${base64url(utf8(JSON.stringify(header)))}.${base64url(utf8(JSON.stringify(payload)))}`;
      const algorithm = ed25519 ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
      const signature = await subtle!.sign(algorithm, privateKey, utf8(input));
      const proven = new Request(request);
      proven.headers.set('dpop', `${input}.${base64url(signature)}`);
      return proven;
    },
  };
}

/** Only the public members: the JWK of a proof header must never carry more. */
function publicOnly(jwk: DpopJwk): DpopJwk {
  return jwk.kty === 'OKP' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

async function ownKey(pair: DpopKeyPair): Promise<DpopKeyMaterial> {
  const publicJwk = 'publicJwk' in pair ? pair.publicJwk : await subtle!.exportKey('jwk', pair.publicKey);
  return { privateKey: pair.privateKey, publicJwk: publicOnly(publicJwk) };
}

/** A new ES256 key whose private half can sign and never be exported, not even by this page. */
async function newKey(): Promise<{ record: DpopKeyMaterial }> {
  const pair = (await subtle!.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])) as {
    privateKey: DpopCryptoKey;
    publicKey: DpopCryptoKey;
  };
  return { record: { privateKey: pair.privateKey, publicJwk: publicOnly(await subtle!.exportKey('jwk', pair.publicKey)) } };
}

/**
 * This origin's key for the service, from IndexedDB (CryptoKeys are stored as they are, still
 * non-extractable). Made once: a tab that loses the race to store its new key takes the stored one,
 * as the get and the put run in one transaction, so every tab signs with the same key.
 */
async function storedKey(id: string): Promise<DpopKeyMaterial> {
  const database = await new Promise<IdbDatabase>((resolve, reject) => {
    const open = indexedDb!.open('refresh-auth-dpop', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const read = (store: IdbStore) =>
    new Promise<DpopKeyMaterial | undefined>((resolve, reject) => {
      const get = store.get(id);
      get.onsuccess = () => resolve(get.result as DpopKeyMaterial | undefined);
      get.onerror = () => reject(get.error);
    });
  try {
    const existing = await read(database.transaction('keys', 'readonly').objectStore('keys'));
    if (existing) return existing;
    const { record } = await newKey();
    return await new Promise<DpopKeyMaterial>((resolve, reject) => {
      const transaction = database.transaction('keys', 'readwrite');
      const store = transaction.objectStore('keys');
      let chosen = record;
      const get = store.get(id);
      get.onsuccess = () => {
        if (get.result) chosen = get.result as DpopKeyMaterial;
        else store.put(record, id);
      };
      transaction.oncomplete = () => resolve(chosen);
      transaction.onerror = () => reject(transaction.error);
    });
  } finally {
    database.close();
  }
}
