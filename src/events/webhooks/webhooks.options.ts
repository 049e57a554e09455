import type { Env } from '../../config/env';
import { moduleOptions } from '../../common/module-options';

/** WebhooksModule's options: receivers, secret, event filter and timings, as Env['webhooks'] holds them. */
export type WebhooksModuleOptions = Env['webhooks'];

export const { ConfigurableModuleClass: WebhooksConfigurableModule, MODULE_OPTIONS_TOKEN: WEBHOOKS_OPTIONS } =
  moduleOptions<WebhooksModuleOptions>('Webhooks');
