import type autocannon from 'autocannon';
import { createHash, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { CONNECTIONS, JSON_HEADERS, Measurement, RefreshChains, SECONDS, cannon } from './load';
import { PASSWORD } from './tokens';
import { inParallel, post } from './servers';

/*
 * DPoP's cost (API.md §14), bound against unbound in the same run: GET /me with one access token
 * repeated, and refresh chains, each with and without a proof. A proof is single-use (its jti), so
 * each round signs a pool of them beforehand (node:crypto, synchronous, before the clock starts) and
 * every request takes its own; a round that outruns its pool signs the rest as it goes.
 * The server must have AUTH_DPOP at its default (optional) and nonces off.
 */

/** Proofs signed before each round: enough for 4 s at ~5,000 requests/s. */
const POOL = Number(process.env.BENCH_DPOP_PROOFS ?? 20_000);

export interface DpopBenchCase {
  id: 'dpopMeUnbound' | 'dpopMe' | 'dpopRefreshUnbound' | 'dpopRefresh';
  label: string;
  run(seconds?: number): Promise<Measurement>;
}

interface DeviceKey {
  privateKey: KeyObject;
  header: string;
}

function deviceKey(): DeviceKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } })).toString('base64url');
  return { privateKey, header };
}

function proof(key: DeviceKey, htm: string, htu: string, accessToken?: string): string {
  const claims = {
    jti: randomUUID(),
    htm,
    htu,
    iat: Math.floor(Date.now() / 1000),
    ...(accessToken && { ath: createHash('sha256').update(accessToken).digest('base64url') }),
  };
  const input = `${key.header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** Single-use proofs for one method and URL, signed ahead of a round. */
class ProofPool {
  private proofs: string[] = [];

  constructor(private readonly make: () => string) {}

  fill(): void {
    this.proofs = Array.from({ length: POOL }, this.make);
  }

  take(): string {
    return this.proofs.pop() ?? this.make();
  }
}

/** Refresh chains of bound clients: like RefreshChains, each request with a fresh proof by the clients' key. */
class BoundRefreshChains {
  private readonly pool: string[];

  constructor(
    tokens: string[],
    private readonly proofs: ProofPool,
  ) {
    this.pool = [...tokens];
  }

  request(): autocannon.Request {
    return {
      method: 'POST',
      path: '/token',
      setupRequest: (request: any, context: any) => {
        context.token = this.pool.shift();
        return { ...request, headers: { ...JSON_HEADERS, dpop: this.proofs.take() }, body: JSON.stringify({ refreshToken: context.token }) };
      },
      onResponse: (status: number, body: string, context: any) => {
        this.pool.push(status === 201 ? JSON.parse(body).token.refreshToken : context.token);
      },
    } as autocannon.Request;
  }
}

/**
 * The four cases, for bench/run.ts to add to its list: `cases.push(...(await dpopCases(app.url, appEnv.AUTH_ISSUER)))`.
 * `issuer`: the server's AUTH_ISSUER, which proofs' htu name.
 */
export async function dpopCases(url: string, issuer: string, parallel = 2): Promise<DpopBenchCase[]> {
  const stamp = Date.now();
  // Users of their own: the per-user cap on live clients must not end another case's chains.
  const bound = { username: `bench_dpop_${stamp}`, password: PASSWORD };
  const unbound = { username: `bench_bearer_${stamp}`, password: PASSWORD };
  await post(`${url}/users`, bound);
  await post(`${url}/users`, unbound);
  const key = deviceKey();
  const base = issuer.replace(/\/+$/, '');

  const boundLogin = await post(`${url}/auth?permanent=true`, bound, { dpop: proof(key, 'POST', `${base}/auth`) });
  if (boundLogin.token.tokenType !== 'DPoP') throw new Error('the DPoP cases need a server that binds (API.md §14)');
  const boundToken: string = boundLogin.token.accessToken;
  const unboundToken: string = (await post(`${url}/auth?permanent=true`, unbound)).token.accessToken;

  const meProofs = new ProofPool(() => proof(key, 'GET', `${base}/me`, boundToken));
  const refreshProofs = new ProofPool(() => proof(key, 'POST', `${base}/token`));
  const chains = (credentials: object, headers?: () => Record<string, string>) =>
    inParallel(CONNECTIONS, parallel, async () => (await post(`${url}/auth?permanent=true`, credentials, headers?.())).token.refreshToken as string);

  return [
    {
      id: 'dpopMeUnbound',
      label: 'GET /me, Bearer (unbound), one token repeated',
      run: (seconds = SECONDS) =>
        cannon({ url, requests: [{ method: 'GET', path: '/me', headers: { authorization: `Bearer ${unboundToken}` } }] }, seconds),
    },
    {
      id: 'dpopMe',
      label: 'GET /me, DPoP-bound: a proof with ath on each request',
      run: (seconds = SECONDS) => {
        meProofs.fill();
        const request = {
          method: 'GET',
          path: '/me',
          setupRequest: (r: any) => ({ ...r, headers: { authorization: `DPoP ${boundToken}`, dpop: meProofs.take() } }),
        } as autocannon.Request;
        return cannon({ url, requests: [request] }, seconds);
      },
    },
    {
      id: 'dpopRefreshUnbound',
      label: 'POST /token (rotation), unbound',
      run: async (seconds = SECONDS) => cannon({ url, requests: [new RefreshChains(await chains(unbound)).request()] }, seconds),
    },
    {
      id: 'dpopRefresh',
      label: 'POST /token (rotation), DPoP-bound: a proof on each request',
      run: async (seconds = SECONDS) => {
        const tokens = await chains(bound, () => ({ dpop: proof(key, 'POST', `${base}/auth`) }));
        refreshProofs.fill();
        return cannon({ url, requests: [new BoundRefreshChains(tokens, refreshProofs).request()] }, seconds);
      },
    },
  ];
}
