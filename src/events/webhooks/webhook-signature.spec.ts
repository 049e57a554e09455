import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { webhookHeaders } from './webhook-signature';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** Our signer, checked against the Standard Webhooks spec and its reference receiver (the standardwebhooks package). */
describe('webhookHeaders', () => {
  it("gives the Standard Webhooks spec's own example signature", () => {
    // The example of the spec (standardwebhooks.com, and the package's tests): a fixed secret, id, time and body.
    const headers = webhookHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(headers).toEqual({
      'content-type': 'application/json',
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  describe('what it signs, the reference receiver accepts; change any signed part and it refuses', () => {
    const key = secret();
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'session.created', userId: 'u1' });
    const signed = webhookHeaders(key, 'evt_1', now, body);
    const receiver = new Webhook(key);

    it('accepts the message as signed', () => {
      expect(receiver.verify(body, signed)).toEqual(JSON.parse(body));
    });

    // Each case keeps our signature and changes one thing it must cover: a signer that left the
    // id, the time or the body out of the signed text, or signed with the wrong key, fails here.
    it.each([
      ['another body', () => receiver.verify(body.replace('u1', 'u2'), signed)],
      ['another id (a replayed signature under a fresh id)', () => receiver.verify(body, { ...signed, 'webhook-id': 'evt_2' })],
      ['another time', () => receiver.verify(body, { ...signed, 'webhook-timestamp': String(now - 1) })],
      ['another secret', () => new Webhook(secret()).verify(body, signed)],
    ])('refuses %s', (_name, verify) => {
      expect(verify).toThrow('No matching signature found');
    });

    it('signs the id, time and body it is given, each of them', () => {
      const base = webhookHeaders(key, 'evt_1', now, body)['webhook-signature'];
      expect(webhookHeaders(key, 'evt_2', now, body)['webhook-signature']).not.toBe(base);
      expect(webhookHeaders(key, 'evt_1', now + 1, body)['webhook-signature']).not.toBe(base);
      expect(webhookHeaders(key, 'evt_1', now, `${body} `)['webhook-signature']).not.toBe(base);
      expect(webhookHeaders(secret(), 'evt_1', now, body)['webhook-signature']).not.toBe(base);
    });
  });
});
