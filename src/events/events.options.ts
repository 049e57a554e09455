import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** EventsModule's options: the per-device stream's caps and keep-alive. */
export type EventsModuleOptions = Pick<
  Env['auth'],
  'eventStreamsPerClient' | 'eventStreamsPerUser' | 'eventStreamsPerInstance' | 'eventStreamKeepAlive'
>;

export const { ConfigurableModuleClass: EventsConfigurableModule, MODULE_OPTIONS_TOKEN: EVENTS_OPTIONS } =
  moduleOptions<EventsModuleOptions>('Events');
