import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** MailModule's options: the SMTP server and sender, or the folder mail is written to without one. */
export type MailModuleOptions = Pick<Env['recovery'], 'smtpUrl' | 'smtpFrom' | 'mailFolder'>;

export const { ConfigurableModuleClass: MailConfigurableModule, MODULE_OPTIONS_TOKEN: MAIL_OPTIONS } = moduleOptions<MailModuleOptions>('Mail');
