import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { LessThan, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { HttpError } from '../common/http-error';
import { IdentityLogin } from './identity-login.entity';
import { IDENTITIES_OPTIONS, type IdentitiesModuleOptions } from './identities.options';
import type { UpstreamProfile } from './upstream-provider';
import { UpstreamProvidersService } from './upstream-providers.service';

/** How long the provider's page may take the user: the login row and its browser cookie live this long. */
export const LOGIN_TTL_SECONDS = 600;
/** API.md §12: a header-mode app trades its one-time code within 60 s. */
export const EXCHANGE_TTL_SECONDS = 60;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const invalidState = () =>
  new HttpError(
    400,
    'Bad Request',
    'This sign-in is unknown, expired, already used, or was started in another browser',
    {},
    { reason: 'invalid_state' },
  );

export interface LoginStart {
  permanent: boolean;
  returnTo: string;
  headerMode: boolean;
  linkUserId: string | null;
}

/** A callback whose state checked out, spent, with the provider's verdict on the user. */
export interface CompletedLogin {
  login: IdentityLogin;
  profile: UpstreamProfile;
}

/**
 * The redirect dance: the start keeps state, nonce and the PKCE verifier server-side (a row found by
 * the hash of state) and ties them to the browser by a cookie; the callback checks both, spends the
 * row with one conditional update, and only then asks the provider (nothing is written before the
 * provider has answered and every check passed, so a provider that fails leaves no partial account).
 */
@Injectable()
export class IdentityLoginsService {
  constructor(
    @InjectRepository(IdentityLogin) private readonly logins: Repository<IdentityLogin>,
    private readonly providers: UpstreamProvidersService,
    private readonly clock: Clock,
    @Inject(IDENTITIES_OPTIONS) private readonly config: IdentitiesModuleOptions,
  ) {}

  /** The provider's URL to send the browser to, and the secret for the browser's login cookie. */
  async start(name: string, options: LoginStart): Promise<{ url: URL; browserSecret: string }> {
    const provider = this.providers.get(name);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const browserSecret = randomBytes(32).toString('base64url');
    const url = await provider.authorizationUrl({ redirectUri: this.providers.redirectUri(name), state, nonce, codeVerifier });
    const now = this.clock.now();
    await this.logins.delete({ expiresAt: LessThan(new Date(now - 3600_000)) });
    await this.logins.insert({
      id: randomUUID(),
      stateHash: sha256(state),
      browserHash: sha256(browserSecret),
      provider: name,
      nonce,
      codeVerifier,
      permanent: options.permanent,
      returnTo: options.returnTo,
      headerMode: options.headerMode,
      linkUserId: options.linkUserId,
      userId: null,
      exchangeHash: null,
      createdAt: new Date(now),
      expiresAt: new Date(now + LOGIN_TTL_SECONDS * 1000),
      usedAt: null,
      exchangedAt: null,
    });
    return { url, browserSecret };
  }

  /**
   * The callback: the state must name a live login of this provider started by this browser; it is
   * spent before the provider is asked, so a replayed callback URL gets nowhere.
   */
  async complete(name: string, query: Record<string, unknown>, browserSecret: string | undefined): Promise<CompletedLogin> {
    const provider = this.providers.get(name);
    const state = query.state;
    if (typeof state !== 'string' || state.length > 512) throw invalidState();
    const login = await this.logins.findOneBy({ stateHash: sha256(state), provider: name });
    if (!login || !browserSecret || !sameHash(login.browserHash, sha256(browserSecret))) throw invalidState();
    const now = this.clock.now();
    const { affected } = await this.logins
      .createQueryBuilder()
      .update(IdentityLogin)
      .set({ usedAt: new Date(now) })
      .where('id = :id AND used_at IS NULL AND expires_at > :now', { id: login.id, now })
      .execute();
    if (!affected) throw invalidState();
    const redirectUri = this.providers.redirectUri(name);
    const callbackUrl = new URL(redirectUri);
    for (const [key, value] of Object.entries(query)) if (typeof value === 'string') callbackUrl.searchParams.set(key, value);
    const profile = await provider.complete(callbackUrl, { redirectUri, state, nonce: login.nonce, codeVerifier: login.codeVerifier });
    return { login: { ...login, usedAt: new Date(now) }, profile };
  }

  /** A header-mode login: a one-time code for POST /auth/exchange, good for EXCHANGE_TTL_SECONDS. */
  async exchangeCode(login: IdentityLogin, userId: string): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    await this.logins.update({ id: login.id }, { userId, exchangeHash: sha256(code) });
    return code;
  }

  /** Spends a one-time code (one conditional update): the login it belongs to, or 400. */
  async exchange(code: string): Promise<IdentityLogin> {
    const invalid = () => new BadRequestException({ message: 'Invalid or expired code', reason: 'invalid_code' });
    if (!/^[A-Za-z0-9_-]{43}$/.test(code)) throw invalid();
    const exchangeHash = sha256(code);
    const now = this.clock.now();
    const { affected } = await this.logins
      .createQueryBuilder()
      .update(IdentityLogin)
      .set({ exchangedAt: new Date(now) })
      .where('exchange_hash = :exchangeHash AND exchanged_at IS NULL AND used_at > :since', {
        exchangeHash,
        since: now - EXCHANGE_TTL_SECONDS * 1000,
      })
      .execute();
    const login = affected ? await this.logins.findOneBy({ exchangeHash }) : null;
    if (!login?.userId) throw invalid();
    return login;
  }

  /**
   * Where the browser goes back to: a path of this service or a URL of our own origin or of
   * CORS_ORIGINS, nothing else (no open redirect). Default: the account page. Never one of our own
   * routes that redirect (to an app, a provider): the browser would carry the fragment we leave
   * there (`#signed-in=`, `#mfa=`, `#code=`) on to that other site.
   */
  returnTo(raw: unknown): string {
    const fallback = `${this.config.publicUrl}/account`;
    if (raw === undefined || raw === '') return fallback;
    const refuse = () => new BadRequestException({ message: 'returnTo must be this service or one of CORS_ORIGINS', reason: 'invalid_return_to' });
    if (typeof raw !== 'string' || raw.length > 2000 || /[\\\s]/.test(raw) || raw.startsWith('//')) throw refuse();
    const base = new URL(this.config.publicUrl);
    if (!raw.startsWith('/') && !URL.canParse(raw)) throw refuse();
    const url = new URL(raw, base);
    const allowed = new Set([base.origin, ...this.config.corsOrigins]);
    if (!/^https?:$/.test(url.protocol) || url.username || url.password || !allowed.has(url.origin)) throw refuse();
    if (url.origin === base.origin && redirectsElsewhere(url.pathname, base.pathname)) throw refuse();
    url.hash = '';
    return url.href;
  }
}

/** Our routes that answer with a redirect to another site: /authorize, /logout, /auth/oidc/… */
const REDIRECTING = ['/authorize', '/logout', '/auth'];

function redirectsElsewhere(pathname: string, basePath: string): boolean {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return true;
  }
  const prefix = basePath.replace(/\/$/, '');
  if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length);
  path = new URL(path, 'http://x').pathname; // dots that only the decoding revealed
  return REDIRECTING.some((route) => path === route || path.startsWith(`${route}/`));
}
