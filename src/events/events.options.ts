import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** EventsModule's options: the per-device stream's caps and keep-alive, as Env['auth'] holds them. */
export type EventsModuleOptions = Env['auth'];

export const { ConfigurableModuleClass: EventsConfigurableModule, MODULE_OPTIONS_TOKEN: EVENTS_OPTIONS } = moduleOptions<EventsModuleOptions>();
