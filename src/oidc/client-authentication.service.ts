import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import type { Application } from './application.entity';
import { ApplicationsService, hashClientSecret } from './applications.service';
import { ClientAssertion } from './client-assertion.entity';
import { oidcError, type RequestParams } from './oidc-error';
import { OIDC_OPTIONS, type OidcModuleOptions } from './oidc.options';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** An assertion may live this long at most: a leaked one is useless soon, and its jti is kept no longer. */
const MAX_ASSERTION_LIFETIME_SECONDS = 300;

const DUMMY_HASH = '0'.repeat(64);

/** The secret is compared as a hash, in constant time, whatever its length. */
const sameSecret = (presented: string, hash: string) => timingSafeEqual(Buffer.from(hashClientSecret(presented), 'hex'), Buffer.from(hash, 'hex'));

/**
 * Who is calling the token endpoint (RFC 6749 §2.3, OIDC Core §9): a confidential application by
 * client_secret_basic or private_key_jwt, a public one by its client_id alone, or nobody (our own
 * first-party clients, as before §13). Every failure is one `invalid_client`, 401.
 */
@Injectable()
export class ClientAuthenticationService {
  private readonly remoteKeySets = new Map<string, JWTVerifyGetKey>();

  constructor(
    private readonly applications: ApplicationsService,
    @InjectRepository(ClientAssertion) private readonly assertions: Repository<ClientAssertion>,
    private readonly clock: Clock,
    @Inject(OIDC_OPTIONS) private readonly config: OidcModuleOptions,
  ) {}

  get tokenEndpoint(): string {
    return `${this.config.issuer.replace(/\/+$/, '')}/oauth/token`;
  }

  /** The authenticated application, or null when the request names none. */
  async authenticate(params: RequestParams, authorization: string | undefined): Promise<Application | null> {
    const clientId = params.optional('client_id');
    const assertionType = params.optional('client_assertion_type');
    const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(authorization ?? '')?.[1];
    if (basic) return this.bySecret(basic, clientId);
    if (assertionType !== undefined) return this.byAssertion(assertionType, params.optional('client_assertion'), clientId);
    if (clientId === undefined) return null;
    const application = await this.applications.find(clientId);
    // An id we never registered is one of our own first-party clients, whose client_id is ignored (API.md §3).
    if (!application) return null;
    // A confidential app must prove it is itself.
    if (application.type !== 'public') throw invalidClient('client authentication failed');
    return application;
  }

  private async bySecret(basic: string, clientId: string | undefined): Promise<Application> {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('client authentication failed', true);
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    const application = await this.applications.find(id);
    // An unknown id costs the same comparison as a known one.
    const valid = sameSecret(secret, application?.secretHash ?? DUMMY_HASH) && Boolean(application?.secretHash);
    if (!application || !valid || (clientId !== undefined && clientId !== id)) throw invalidClient('client authentication failed', true);
    return application;
  }

  /** RFC 7523 §3 as OIDC Core §9 profiles it: iss = sub = client_id, aud = our token endpoint (or issuer), exp, jti once. */
  private async byAssertion(type: string, assertion: string | undefined, clientId: string | undefined): Promise<Application> {
    if (type !== JWT_BEARER || !assertion) throw invalidClient('client_assertion_type must be jwt-bearer, with a client_assertion');
    let claimed: string | undefined;
    try {
      claimed = decodeJwt(assertion).sub;
    } catch {
      throw invalidClient('client_assertion is not a JWT');
    }
    const application = await this.applications.find(claimed);
    const keys = application && this.keysOf(application);
    if (!application || !keys || (clientId !== undefined && clientId !== application.clientId)) throw invalidClient('client authentication failed');
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, keys, {
        issuer: application.clientId,
        subject: application.clientId,
        // OIDC Core §9 names the token endpoint; RFC 7523bis (and openid-client) the issuer: both are us, nothing else is.
        audience: [this.tokenEndpoint, this.config.issuer],
        requiredClaims: ['exp', 'jti'],
        currentDate: new Date(this.clock.now()),
        clockTolerance: 5,
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      }));
    } catch {
      throw invalidClient('client authentication failed');
    }
    const now = this.clock.now() / 1000;
    if (typeof payload.jti !== 'string' || payload.exp! - now > MAX_ASSERTION_LIFETIME_SECONDS) {
      throw invalidClient(`client_assertion must carry a jti and expire within ${MAX_ASSERTION_LIFETIME_SECONDS} s`);
    }
    // Each jti once: the primary key decides, on every instance.
    const jtiHash = createHash('sha256').update(`${application.clientId} ${payload.jti}`).digest('hex');
    await this.assertions.createQueryBuilder().delete().where('expires_at < :now', { now: this.clock.now() }).execute();
    try {
      await this.assertions.insert({ jtiHash, expiresAt: new Date(payload.exp! * 1000 + 5000) });
    } catch {
      throw invalidClient('client_assertion was used before');
    }
    return application;
  }

  private keysOf(application: Application): JWTVerifyGetKey | null {
    if (application.type !== 'confidential') return null;
    if (application.jwks) return createLocalJWKSet(JSON.parse(application.jwks) as JSONWebKeySet);
    if (!application.jwksUri) return null;
    let remote = this.remoteKeySets.get(application.jwksUri);
    if (!remote) {
      remote = createRemoteJWKSet(new URL(application.jwksUri), { timeoutDuration: 5000 });
      this.remoteKeySets.set(application.jwksUri, remote);
    }
    return remote;
  }
}

function invalidClient(description: string, basic = false) {
  return oidcError('invalid_client', description, 401, basic ? { 'WWW-Authenticate': 'Basic realm="token"' } : {});
}

/** RFC 6749 §2.3.1: id and secret are form-encoded inside Basic. */
function formDecode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}
