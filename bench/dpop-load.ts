import autocannon from 'autocannon';
import { type CryptoKey, type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { JSON_HEADERS } from './load';

/*
 * DPoP (RFC 9449, API.md §14) from the load generator's side: a client key, proofs signed with jose
 * ahead of a run (autocannon builds requests synchronously, and each proof is used once), and the
 * requests that carry them. A proof's htu is the URL the server publishes: the issuer's origin and the
 * path, no query.
 */

export class DpopKey {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly jwk: JWK,
  ) {}

  static async create(): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return new DpopKey(privateKey, await exportJWK(publicKey));
  }

  proof(htm: string, htu: string, extra: { accessToken?: string; nonce?: string } = {}): Promise<string> {
    return new SignJWT({
      htm,
      htu,
      jti: randomBytes(16).toString('base64url'),
      iat: Math.floor(Date.now() / 1000),
      ...(extra.accessToken && { ath: createHash('sha256').update(extra.accessToken).digest('base64url') }),
      ...(extra.nonce && { nonce: extra.nonce }),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: this.jwk })
      .sign(this.privateKey);
  }

  /** `count` proofs for one method and URL, signed 256 at a time (jose signs on the thread pool). */
  async proofs(count: number, htm: string, htu: string, extra: { accessToken?: string; nonce?: string } = {}): Promise<string[]> {
    const made: string[] = [];
    for (let at = 0; at < count; at += 256) {
      made.push(...(await Promise.all(Array.from({ length: Math.min(256, count - at) }, () => this.proof(htm, htu, extra)))));
    }
    return made;
  }
}

/**
 * A pool of proofs, each handed out once. Running dry is counted (`exhausted`) and reported as errors:
 * the request then goes without a proof and the server refuses it, so it never passes silently.
 */
export class ProofPool {
  exhausted = 0;

  constructor(private readonly proofs: string[]) {}

  take(): string | undefined {
    const proof = this.proofs.pop();
    if (proof === undefined) this.exhausted += 1;
    return proof;
  }
}

/** GET /me with a DPoP-bound access token, a fresh proof (with `ath`) each request. */
export function boundMe(token: string, pool: ProofPool): autocannon.Request {
  return {
    method: 'GET',
    path: '/me',
    setupRequest: (request: any) => {
      const proof = pool.take();
      return { ...request, headers: { authorization: `DPoP ${token}`, ...(proof && { dpop: proof }) } };
    },
  } as autocannon.Request;
}

/** Bound refresh chains: as RefreshChains (bench/load.ts), each POST /token with a proof by the chains' key. */
export class BoundRefreshChains {
  private readonly pool: string[];

  constructor(
    tokens: string[],
    private readonly proofs: ProofPool,
    private readonly issued?: string[],
  ) {
    this.pool = [...tokens];
  }

  request(): autocannon.Request {
    return {
      method: 'POST',
      path: '/token',
      setupRequest: (request: any, context: any) => {
        context.token = this.pool.shift();
        const proof = this.proofs.take();
        return { ...request, headers: { ...JSON_HEADERS, ...(proof && { dpop: proof }) }, body: JSON.stringify({ refreshToken: context.token }) };
      },
      onResponse: (status: number, body: string, context: any) => {
        if (status !== 201) return this.pool.push(context.token);
        const { token } = JSON.parse(body);
        this.pool.push(token.refreshToken);
        this.issued?.push(token.accessToken);
      },
    } as autocannon.Request;
  }
}

export interface DpopSupport {
  /** The origin the server checks htu against (its issuer's), and the nonce it asked for, if any. */
  htuBase: string;
  nonce?: string;
}

/**
 * A DPoP login (`POST /auth`, a proof by `key`): its token, or why the server does not do DPoP. The
 * htu is tried with the issuer's origin, then with the address the bench connects to; a
 * `use_dpop_nonce` answer is retried once with the nonce (RFC 9449 §8).
 */
export async function dpopLogin(
  url: string,
  issuer: string,
  key: DpopKey,
  credentials: object,
  permanent: boolean,
  support?: DpopSupport,
): Promise<{ token?: { accessToken: string; refreshToken?: string; tokenType: string }; support?: DpopSupport; skipped?: string }> {
  const path = `/auth${permanent ? '?permanent=true' : ''}`;
  let last = '';
  for (const htuBase of support ? [support.htuBase] : [new URL(issuer).origin, url]) {
    let nonce = support?.nonce;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, dpop: await key.proof('POST', `${htuBase}/auth`, { nonce }) },
        body: JSON.stringify(credentials),
      });
      const body = (await response.json().catch(() => ({}))) as any;
      last = `${response.status} ${response.headers.get('www-authenticate') ?? ''}`.trim();
      const offered = response.headers.get('dpop-nonce') ?? undefined;
      if (response.status === 401 && offered && offered !== nonce) {
        nonce = offered;
        continue;
      }
      if (!response.ok) break;
      if (body.token?.tokenType !== 'DPoP')
        return { skipped: `POST /auth with a DPoP proof answered tokenType ${body.token?.tokenType} (no DPoP binding)` };
      return { token: body.token, support: { htuBase, nonce: offered ?? nonce } };
    }
  }
  return { skipped: `POST /auth with a DPoP proof answered ${last}` };
}
