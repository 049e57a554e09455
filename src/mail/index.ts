export { MailModule } from './mail.module';
export { MailOutboxService, type MailRenderer } from './mail-outbox.service';
export type { MailOutboxEntry } from './mail-outbox.entity';
export type { MailMessage } from './mail.service';
