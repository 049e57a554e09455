import { webcrypto } from 'node:crypto';
import { AuthClient, createAuthClient, TokenStorage } from '../sdk/src/index';
import { AuthService } from '../src/auth/auth.service';
import { ListeningApp, startListeningApp } from './support/app';
import { controlAppClock } from './support/clock';
import { credentials } from './support/factories';
import { httpCall } from './support/http-client';

/*
 * The SDK's DPoP in Node (API.md §14): the app hands in its key pair; proofs on login, refresh and
 * every request that carries the token; one retry with the server's nonce.
 */
function memory(): TokenStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

describe.each([
  ['without nonces', {}],
  ['with AUTH_DPOP_NONCE=true', { AUTH_DPOP_NONCE: 'true' }],
])('the SDK with a DPoP key pair in Node, %s', (_name, env) => {
  let t: ListeningApp;
  const clients: AuthClient[] = [];
  beforeAll(async () => {
    t = await startListeningApp(env);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  async function signedIn(dpop: Parameters<typeof createAuthClient>[0]['dpop']) {
    const storage = memory();
    const auth = createAuthClient({ baseUrl: t.url, transport: 'header', storage, dpop });
    clients.push(auth);
    const user = credentials();
    await httpCall(t.url, 'POST', '/users', user);
    await auth.login({ ...user, permanent: true });
    return { auth, storage };
  }

  it('a CryptoKeyPair: the session is bound, guarded calls and refreshes carry proofs', async () => {
    const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const { auth, storage } = await signedIn(pair);
    const record = JSON.parse([...storage.items.values()][0]);
    expect(record.bound).toBe(true);
    expect(await auth.sessions.list()).toEqual([expect.objectContaining({ current: true, bound: true })]);
    const refreshes = jest.spyOn(t.app.get(AuthService), 'refresh');
    await expect(auth.refresh()).resolves.toBe(true);
    expect(refreshes).toHaveBeenCalledWith(expect.any(String), expect.anything(), undefined, expect.any(String));
    refreshes.mockRestore();
    await expect(auth.me()).resolves.toEqual(expect.objectContaining({ clientId: record.user.clientId }));
    const response = await auth.fetch(`${t.url}/clients`);
    expect(response.status).toBe(200);
    // The refresh token alone, outside this client, is worth nothing now: and the attempt ends the session.
    const after = JSON.parse([...storage.items.values()][0]);
    expect((await httpCall(t.url, 'POST', '/token', { refreshToken: after.refreshToken })).status).toBe(401);
    await auth.me().catch(() => undefined);
    expect(auth.state).toEqual({ status: 'signed-out', reason: 'reused' });
  });

  it('{ privateKey, publicJwk } (Ed25519) works the same', async () => {
    const pair = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const publicJwk = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
    const { auth, storage } = await signedIn({ privateKey: pair.privateKey, publicJwk });
    expect(JSON.parse([...storage.items.values()][0]).bound).toBe(true);
    await expect(auth.refresh()).resolves.toBe(true);
    await expect(auth.me()).resolves.toEqual(expect.objectContaining({ username: expect.any(String) }));
  });

  it("a device clock 5 minutes behind: proofs take their iat from the server's Date after one refusal", async () => {
    controlAppClock(t.app); // the server keeps the real time (its Clock, and Node's Date header)
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 5 * 60_000);
    try {
      const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const { auth, storage } = await signedIn(pair);
      expect(JSON.parse([...storage.items.values()][0]).bound).toBe(true);
      await expect(auth.me()).resolves.toEqual(expect.objectContaining({ username: expect.any(String) }));
      await expect(auth.refresh()).resolves.toBe(true);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('dpop: false (and the Node default) stays Bearer', async () => {
    const { storage } = await signedIn(false);
    expect(JSON.parse([...storage.items.values()][0]).bound).toBe(false);
    const { storage: byDefault } = await signedIn(undefined);
    expect(JSON.parse([...byDefault.items.values()][0]).bound).toBe(false);
  });
});
