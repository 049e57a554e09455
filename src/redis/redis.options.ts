import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** RedisModule's options: `url` (null: everything stays in-process) and `keyPrefix`, as Env['redis'] holds them. */
export type RedisModuleOptions = Env['redis'];

export const { ConfigurableModuleClass: RedisConfigurableModule, MODULE_OPTIONS_TOKEN: REDIS_OPTIONS } = moduleOptions<RedisModuleOptions>('Redis');
