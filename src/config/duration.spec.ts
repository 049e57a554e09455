import { parseDurationSeconds } from './duration';

describe('parseDurationSeconds', () => {
  it.each([
    ['900', 900],
    ['0', 0],
    ['10s', 10],
    ['15m', 900],
    ['12h', 43200],
    ['30d', 2592000],
  ])('reads %s as %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', '-1', '1.5', '15 minutes', '10ms', 'm', '1w'])('refuses %p', (text) => {
    expect(parseDurationSeconds(text)).toBeNull();
  });
});
