import { startServerProcess } from './support/server-process';

/*
 * Durations past what their use can hold are refused at start, naming the variable: a 30-day
 * prune interval overflowed setInterval (2^31-1 ms) and ran every millisecond; huge TTLs made
 * instants JS Date cannot hold (500 on every login, an SQL error at start).
 */
describe('a duration past its bound', () => {
  it.each([
    ['AUTH_PRUNE_INTERVAL', '30d'],
    ['AUTH_ACCESS_TTL', '999999999d'],
    ['AUTH_REFRESH_ABSOLUTE_TTL', '999999999d'],
  ])('%s=%s stops the server at start with a message naming it', async (name, value) => {
    const outcome = await startServerProcess({ DATABASE_URL: 'sqlite::memory:', [name]: value }).then(
      async (server) => {
        await server.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(outcome).toMatch(new RegExp(`exited with 1: Invalid environment variable ${name}="${value}": expected a duration from`));
  });
});
