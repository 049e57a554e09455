/*
 * The live part: while signed in, the page listens to GET /clients/current/events (Server-Sent Events,
 * authenticated by the access cookie). A dropped stream is reopened with backoff while still signed in,
 * after a request that lets the sdk learn of an ending (or refresh an expired cookie) it missed meanwhile.
 */
import type { AuthClient } from '../sdk/auth-client.js';

export interface SessionEventMessage {
  type: string;
  clientId?: string;
  current: boolean;
  data: { reason?: string; by?: { kind: string } };
}

const TYPES = ['session.created', 'session.ended'];
const MAX_DELAY_MS = 30_000;

export function watchSessionEvents(auth: AuthClient, onEvent: (event: SessionEventMessage) => void): void {
  let source: EventSource | null = null;
  let delay = 1_000;
  let timer: ReturnType<typeof setTimeout> | null = null;

  // Says on the page whether the stream is open (tests wait for it).
  const mark = (state: 'open' | 'closed') => (document.documentElement.dataset.live = state);
  const stop = () => {
    mark('closed');
    source?.close();
    source = null;
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const open = () => {
    stop();
    if (auth.state.status !== 'signed-in') return;
    const stream = new EventSource('/clients/current/events');
    source = stream;
    stream.onopen = () => {
      delay = 1_000;
      mark('open');
    };
    // The browser would retry on its own, also after the server ends the stream on purpose: we decide instead.
    stream.onerror = () => {
      if (source !== stream) return;
      stop();
      timer = setTimeout(() => void auth.me().catch(() => undefined).then(open), delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    };
    for (const type of TYPES) {
      stream.addEventListener(type, (message) => {
        if (source !== stream) return;
        const event = JSON.parse((message as MessageEvent<string>).data) as SessionEventMessage;
        if (event.type === 'session.ended' && event.current) stop();
        onEvent(event);
      });
    }
  };
  auth.onChange((state) => (state.status === 'signed-in' ? !source && !timer && open() : stop()));
  if (auth.state.status === 'signed-in') open();
}
