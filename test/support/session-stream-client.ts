import { request as httpRequest, IncomingMessage } from 'node:http';

/** An open event stream: its status, the events parsed so far, and whether the server ended it. */
export interface Stream {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  events: Array<{ type: string; data: Record<string, unknown> }>;
  /** 'end' when the server finished the response, 'close' when the connection was cut. */
  ended: Promise<'end' | 'close'>;
  next(count: number): Promise<void>;
  until(test: (body: string) => boolean): Promise<void>;
  close(): void;
}

/** `query`: appended to the path as it is (`?since=0`). */
export function openStream(url: string, headers: Record<string, string>, query = ''): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/clients/current/events${query}`,
      { headers: { accept: 'text/event-stream', ...headers } },
      (res: IncomingMessage) => {
        const waiters: Array<() => void> = [];
        const stream: Stream = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: '',
          events: [],
          ended: new Promise((done) => res.on('end', () => done('end')).on('close', () => done('close'))),
          next: (count) => stream.until(() => stream.events.length >= count),
          until: (test) => new Promise((done) => (test(stream.body) ? done() : waiters.push(() => test(stream.body) && done()))),
          close: () => req.destroy(),
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          stream.body += chunk;
          stream.events = stream.body
            .split('\n\n')
            .filter((block) => /^data: /m.test(block))
            .map((block) => ({ type: /^event: (.*)$/m.exec(block)?.[1] ?? 'message', data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) }));
          for (const waiter of waiters) waiter();
        });
        resolve(stream);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
