import { SMTPServer } from 'smtp-server';

export interface SunkMail {
  to: string[];
  /** The raw message with quoted-printable undone, enough to find a link in. */
  decoded: string;
}

/** Undoes quoted-printable (soft line breaks, =XX) so a link reads whole; base64 parts are not used by our mails. */
const decodeQuotedPrintable = (raw: string) =>
  raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** A real SMTP server on 127.0.0.1 (plain, no auth) that keeps every message it receives. */
export class SmtpSink {
  readonly mails: SunkMail[] = [];
  private server: SMTPServer | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
          this.mails.push({ to, decoded: decodeQuotedPrintable(Buffer.concat(chunks).toString()) });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The mails sent to this address so far. */
  to(address: string): SunkMail[] {
    return this.mails.filter((mail) => mail.to.includes(address));
  }
}

/** The token of the last `#reset=` or `#verify=` link in the mail. */
export function linkToken(mail: SunkMail, kind: 'reset' | 'verify'): string {
  const matches = [...mail.decoded.matchAll(new RegExp(`/account#${kind}=([A-Za-z0-9_-]+)`, 'g'))];
  if (matches.length === 0) throw new Error(`no #${kind}= link in the mail`);
  return matches[matches.length - 1][1];
}
