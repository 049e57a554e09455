import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { AccessTokensService, ClientsService, type Origin, parseRoles, UsersService } from '../auth';
import { Clock } from '../common/clock';
import type { Application } from './application.entity';
import { AuthorizationCode } from './authorization-code.entity';
import { IdTokensService } from './id-tokens.service';
import { oidcError } from './oidc-error';
import { OIDC_OPTIONS, type OidcModuleOptions } from './oidc.options';

/** RFC 9700 §4.2.1 / OIDC Core §3.1.2.1: a code lives this long, once. */
export const CODE_TTL_SECONDS = 60;
/** The scopes that are claims about the user, not roles (API.md §13). */
export const IDENTITY_SCOPES = ['openid', 'profile', 'email'];

const sha256 = (value: string) => createHash('sha256').update(value).digest();
const hashCode = (code: string) => sha256(code).toString('hex');

/** An approved authorization request, as the code remembers it. */
export interface Approval {
  application: Application;
  userId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  scope: string;
  authTime: number;
  amr: string[] | null;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

/**
 * The authorization code grant (RFC 6749 §4.1 with PKCE, RFC 7636): a code bound to its application,
 * redirect URI and verifier, single use by one conditional update, 60 s on the injected clock. Every
 * exchange opens a client of the user marked with the application; a replayed code ends it
 * (RFC 6749 §4.1.2: revoke what was issued from it).
 */
@Injectable()
export class AuthorizationService {
  constructor(
    @InjectRepository(AuthorizationCode) private readonly codes: Repository<AuthorizationCode>,
    private readonly clients: ClientsService,
    private readonly users: UsersService,
    private readonly accessTokens: AccessTokensService,
    private readonly idTokens: IdTokensService,
    private readonly clock: Clock,
    @Inject(OIDC_OPTIONS) private readonly config: OidcModuleOptions,
  ) {}

  /**
   * What the app gets of what it asked: only scopes it is allowed (else invalid_scope), and of the
   * role scopes only those the user holds (§13: never more than the user has and the app is allowed).
   */
  grantedScope(application: Application, requested: string, roles: readonly string[]): string {
    const allowed = new Set(application.scopes.split(' '));
    const tokens = [...new Set(requested.split(' ').filter(Boolean))];
    const refused = tokens.filter((token) => !allowed.has(token));
    if (refused.length > 0) throw oidcError('invalid_scope', `scope ${refused.join(' ')} is not allowed for this application`.slice(0, 200));
    return tokens.filter((token) => IDENTITY_SCOPES.includes(token) || roles.includes(token)).join(' ');
  }

  async issueCode(approval: Approval): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.codes.insert({
      codeHash: hashCode(code),
      applicationId: approval.application.clientId,
      userId: approval.userId,
      redirectUri: approval.redirectUri,
      codeChallenge: approval.codeChallenge,
      nonce: approval.nonce,
      scope: approval.scope,
      authTime: new Date(approval.authTime),
      amr: approval.amr?.join(' ') ?? null,
      createdAt: new Date(now),
      expiresAt: new Date(now + CODE_TTL_SECONDS * 1000),
      usedAt: null,
      issuedClientId: null,
    });
    // Codes that can no longer be used are kept for the replay rule only while they could be presented.
    await this.codes
      .createQueryBuilder()
      .delete()
      .where('expires_at < :before', { before: now - 10 * CODE_TTL_SECONDS * 1000 })
      .execute();
    return code;
  }

  /** Trades a code for tokens; every failure is invalid_grant (RFC 6749 §5.2). */
  async exchange(
    application: Application,
    code: string,
    redirectUri: string,
    verifier: string,
    origin: Origin,
    /** The exchange's DPoP key (RFC 9449 §5): the new client is bound to it. */
    dpopJkt: string | null = null,
  ): Promise<TokenResponse> {
    const codeHash = hashCode(code);
    const row = await this.codes.findOne({ where: { codeHash } });
    const now = this.clock.now();
    if (!row) throw invalidGrant();
    if (row.usedAt !== null) {
      await this.replayed(row, origin);
      throw invalidGrant();
    }
    // Bound to its app, its redirect URI and its verifier: checked before it is spent, so a thief's try leaves it be.
    if (row.expiresAt.getTime() <= now || row.applicationId !== application.clientId || row.redirectUri !== redirectUri) throw invalidGrant();
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || sha256(verifier).toString('base64url') !== row.codeChallenge) throw invalidGrant();

    // Single use: of two concurrent exchanges, the database lets one UPDATE match.
    const spent = await this.codes
      .createQueryBuilder()
      .update(AuthorizationCode)
      .set({ usedAt: new Date(now) })
      .where('code_hash = :codeHash AND used_at IS NULL AND expires_at > :now', { codeHash, now })
      .execute();
    if ((spent.affected ?? 0) !== 1) {
      await this.replayed(row, origin);
      throw invalidGrant();
    }

    const user = await this.users.findById(row.userId).catch(() => null);
    if (!user || user.disabledAt !== null) throw invalidGrant();
    const opened = await this.clients.open(user, true, origin, {
      scope: row.scope || null,
      dpopJkt,
      application: { applicationId: application.clientId, authenticatedAt: row.authTime.getTime() },
      // How the user signed in for this authorization (API.md §11), carried by the client's tokens.
      ...(row.amr && { amr: row.amr }),
    });
    if (!opened) throw invalidGrant();
    const { client, refreshToken } = opened;
    await this.codes.update({ codeHash }, { issuedClientId: client.id });
    // A replay that raced this exchange found no client yet: it marked the code, and the client ends now.
    const after = await this.codes.findOne({ where: { codeHash }, select: { codeHash: true, usedAt: true } });
    if (after?.usedAt && after.usedAt.getTime() !== now) await this.clients.endById(client.id, 'reused', origin);

    const token = await this.accessTokens.issue(client, { roles: parseRoles(user.roles), scope: client.scope });
    const scopes = row.scope.split(' ');
    const idToken = scopes.includes('openid')
      ? await this.idTokens.idToken({
          userId: user.id,
          clientId: application.clientId,
          sessionId: client.id,
          authTime: row.authTime.getTime(),
          nonce: row.nonce,
          amr: row.amr ? row.amr.split(' ') : null,
          accessToken: token.accessToken,
        })
      : undefined;
    return {
      access_token: token.accessToken,
      token_type: dpopJkt ? 'DPoP' : 'Bearer',
      expires_in: token.expiresIn,
      ...(refreshToken && { refresh_token: refreshToken }),
      ...(idToken && { id_token: idToken }),
      ...(row.scope && { scope: row.scope }),
    };
  }

  /** A spent code presented again: whoever holds it, every session issued from it ends. */
  private async replayed(row: AuthorizationCode, origin: Origin): Promise<void> {
    // Marks the replay for an exchange still opening its client (see exchange()).
    await this.codes.update({ codeHash: row.codeHash }, { usedAt: new Date(this.clock.now() + 1) });
    if (row.issuedClientId) await this.clients.endById(row.issuedClientId, 'reused', origin);
  }

  /** client_credentials (RFC 6749 §4.4): a confidential app for itself; no user, no refresh token, no identity scope. */
  async clientCredentials(application: Application, requested: string | undefined): Promise<TokenResponse> {
    if (application.type !== 'confidential') throw oidcError('unauthorized_client', 'client_credentials is for confidential applications');
    const allowed = application.scopes.split(' ').filter((token) => token && !IDENTITY_SCOPES.includes(token));
    const asked = requested === undefined ? allowed : [...new Set(requested.split(' '))];
    const refused = asked.filter((token) => !allowed.includes(token));
    if (refused.length > 0) throw oidcError('invalid_scope', `scope ${refused.join(' ')} is not allowed for this application`.slice(0, 200));
    const scope = asked.join(' ') || null;
    return {
      access_token: await this.idTokens.serviceAccessToken(application.clientId, scope),
      token_type: 'Bearer',
      expires_in: this.config.accessTtl,
      ...(scope && { scope }),
    };
  }
}

function invalidGrant() {
  return oidcError('invalid_grant', 'The authorization code is invalid, expired, spent, or was issued to another client or redirect URI');
}
