export { MailModule } from './mail.module';
export { MailOutbox, type MailRenderer } from './mail-outbox.service';
export type { MailOutboxEntry } from './mail-outbox.entity';
export type { MailMessage } from './mail.service';
