import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport, Transporter } from 'nodemailer';
import { MAIL_OPTIONS, type MailModuleOptions } from './mail.options';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A stalled mail server fails the attempt after this long; the outbox retries it later. */
const SMTP_TIMEOUT_MS = 10_000;

/**
 * Sends one message: over SMTP_URL (nodemailer; smtps:// or STARTTLS as nodemailer negotiates), or,
 * without it, as `<id>.eml` (mode 0600, folder 0700) under the data folder for development.
 */
@Injectable()
export class MailService implements OnApplicationShutdown {
  private readonly transport: Transporter;

  constructor(@Inject(MAIL_OPTIONS) private readonly config: MailModuleOptions) {
    this.transport = config.smtpUrl
      ? createTransport({
          url: config.smtpUrl,
          connectionTimeout: SMTP_TIMEOUT_MS,
          greetingTimeout: SMTP_TIMEOUT_MS,
          socketTimeout: SMTP_TIMEOUT_MS,
          logger: false,
        })
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** Where mail goes when there is no SMTP_URL; null when it goes to a server. */
  get folder(): string | null {
    return this.config.smtpUrl ? null : this.config.mailFolder;
  }

  async send(id: string, message: MailMessage): Promise<void> {
    const info = await this.transport.sendMail({ from: this.config.smtpFrom, messageId: `<${id}@refresh-auth>`, ...message });
    const folder = this.folder;
    if (folder) this.writeFile(folder, id, (info as { message: Buffer }).message);
  }

  private writeFile(folder: string, id: string, eml: Buffer): void {
    if (!existsSync(folder)) {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      chmodSync(folder, 0o700);
    }
    // The mail holds a live link: readable by the service's user only.
    writeFileSync(join(folder, `${id}.eml`), eml, { mode: 0o600 });
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
