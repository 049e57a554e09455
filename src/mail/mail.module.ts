import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailOutboxEntry } from './mail-outbox.entity';
import { MailOutboxService } from './mail-outbox.service';
import { MailConfigurableModule } from './mail.options';
import { MailService } from './mail.service';

/** The mailer (SMTP, or .eml files in development) and the outbox it sends from. */
@Module({
  imports: [TypeOrmModule.forFeature([MailOutboxEntry])],
  providers: [MailService, MailOutboxService],
  exports: [MailOutboxService],
})
export class MailModule extends MailConfigurableModule {}
