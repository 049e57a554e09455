/*
 * The live part: while signed in, the page listens to the device's event stream through the sdk
 * (GET /clients/current/events, authenticated by the access cookie). The sdk keeps it open across
 * access tokens (the server ends each stream at its token's exp), reconnects after a drop, and ends
 * the subscription when the session ends; the page subscribes again at the next sign-in.
 */
import type { AuthClient } from '../sdk/auth-client.js';

export interface SessionEventMessage {
  type: string;
  clientId?: string;
  current: boolean;
  data: { reason?: string; by?: { kind: string } };
}

const TYPES = ['session.created', 'session.ended'];

export function watchSessionEvents(auth: AuthClient, onEvent: (event: SessionEventMessage) => void): void {
  let subscribed = false;
  // Says on the page whether the stream is open (tests wait for it).
  const mark = (state: 'open' | 'closed') => (document.documentElement.dataset.live = state);
  const start = () => {
    if (subscribed || auth.state.status !== 'signed-in') return;
    subscribed = true;
    auth.events.subscribe(
      (event) => {
        if (TYPES.includes(event.type)) onEvent(event as SessionEventMessage);
      },
      {
        onOpen: () => mark('open'),
        onEnd: () => {
          subscribed = false;
          mark('closed');
        },
      },
    );
  };
  auth.onChange(start);
  start();
}
