import type { Client } from '../client.entity';
import { ClientHistoryResponseDto, ClientResponseDto } from './client.response.dto';

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

function client(overrides: Partial<Client> = {}): Client {
  const now = new Date('2026-01-01T00:00:00Z');
  return {
    id: 'c1',
    createdAt: now,
    lastUsedAt: now,
    expiresAt: new Date('2026-02-01T00:00:00Z'),
    userAgent: null,
    ip: '192.0.2.1',
    permanent: true,
    endedAt: null,
    endReason: null,
    endedByIp: null,
    endedByUserAgent: null,
    ...overrides,
  } as Client;
}

describe('ClientResponseDto: browser and operating system', () => {
  it.each([
    [FIREFOX_WINDOWS, 'Firefox 128', 'Windows 10'],
    [SAFARI_IPHONE, 'Safari 17', 'iOS 17.4'],
    ['curl/8.5.0', null, null],
    ['', null, null],
    [null, null, null],
  ])('%s: %s on %s', (userAgent, browser, os) => {
    expect(ClientResponseDto.of(client({ userAgent }), 'c1')).toMatchObject({ userAgent, browser, os, current: true });
  });

  it('reads them for whoever presented a reused token too', () => {
    const ended = client({
      endedAt: new Date('2026-01-02T00:00:00Z'),
      endReason: 'reused',
      endedByIp: '198.51.100.7',
      endedByUserAgent: FIREFOX_WINDOWS,
    });
    expect(ClientHistoryResponseDto.ofHistory(ended, 'other', Date.parse('2026-01-03T00:00:00Z'))).toMatchObject({
      endReason: 'reused',
      endedBy: { ip: '198.51.100.7', userAgent: FIREFOX_WINDOWS, browser: 'Firefox 128', os: 'Windows 10' },
    });
  });
});
