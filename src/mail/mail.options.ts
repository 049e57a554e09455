import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** MailModule's options: SMTP, the sender and the public URL links are built from, as Env['recovery'] holds them. */
export type MailModuleOptions = Env['recovery'];

export const { ConfigurableModuleClass: MailConfigurableModule, MODULE_OPTIONS_TOKEN: MAIL_OPTIONS } = moduleOptions<MailModuleOptions>();
