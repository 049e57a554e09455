import autocannon from 'autocannon';
import { CONNECTIONS, RefreshChains } from './load';
import { inParallel, post } from './servers';

export const PASSWORD = 'correct horse battery';

/**
 * The realistic token mix for GET /me: `users` users, one permanent login each, then refreshes of those
 * clients until `tokens` distinct access tokens exist (each refresh issues a new one of a live client).
 * A few hundred argon2id logins instead of one per token keeps the set-up to seconds.
 */
export async function tokenMix(url: string, users: number, tokens: number, parallel: number): Promise<{ accessTokens: string[]; errors: number }> {
  const prefix = `mix${Date.now()}_`;
  const logins = await inParallel(users, parallel, async (i) => {
    const credentials = { username: `${prefix}${i}`, password: PASSWORD };
    await post(`${url}/users`, credentials);
    return (await post(`${url}/auth?permanent=true`, credentials)).token as { accessToken: string; refreshToken: string };
  });
  const accessTokens = logins.map((t) => t.accessToken);
  const chains = new RefreshChains(
    logins.map((t) => t.refreshToken),
    accessTokens,
  );
  let errors = 0;
  if (tokens - users >= CONNECTIONS) {
    const result = await autocannon({ url, connections: CONNECTIONS, amount: tokens - users, requests: [chains.request()] });
    errors = result.errors + result.timeouts + result.non2xx;
  }
  return { accessTokens, errors };
}
