import { ClientsService } from '../src/clients/clients.service';
import { RefreshTokensService } from '../src/clients/refresh-tokens.service';
import { UsersService } from '../src/users/users.service';
import { startApp, TestApp } from './support/app';
import { signUp } from './support/factories';

/*
 * One user at the cap logs in on 16 devices at once while half of their live devices refresh (the
 * bench's code exchange on PostgreSQL, where concurrent cap statements once deadlocked): no login and
 * no refresh fails but for the cap's own reasons, and the cap holds once each burst is over.
 */
describe('the per-user cap under concurrent logins and refreshes', () => {
  const CAP = 20;
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_MAX_CLIENTS_PER_USER: String(CAP) });
  });
  afterAll(() => t.close());

  it('ends the least recently used clients, and nothing else fails', async () => {
    const { id } = await signUp(t.http);
    const user = await t.app.get(UsersService).findById(id);
    const clients = t.app.get(ClientsService);
    const refresh = t.app.get(RefreshTokensService);
    const origin = { ip: '127.0.0.1', userAgent: 'jest' };
    const open = async () => (await clients.open(user, true, origin))!.refreshToken as string;
    let live: string[] = [];
    for (let i = 0; i < CAP; i += 1) live.push(await open());
    const failures: unknown[] = [];
    for (let round = 0; round < 10; round += 1) {
      const work: Array<Promise<string>> = [
        ...live.filter((_, i) => i % 2 === round % 2).map(async (token) => (await refresh.rotate(token, origin)).refreshToken),
        ...Array.from({ length: 16 }, open),
      ];
      const settled = await Promise.allSettled(work);
      // A device the cap ended before its refresh (limit) or while it ran (revoked) is refused; that is the cap.
      for (const s of settled) if (s.status === 'rejected' && !['limit', 'revoked'].includes(s.reason?.reason)) failures.push(s.reason);
      live = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])).slice(-CAP);
      expect((await clients.liveCounts([id])).get(id)).toBe(CAP);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
