import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/**
 * KeysModule's options: Env['keys'], plus the access-token lifetime (how long a retired key still
 * verifies) and the database URL (PostgreSQL requires an encryption secret).
 */
export type KeysModuleOptions = Env['keys'] & { accessTtl: number; databaseUrl: string };

export const { ConfigurableModuleClass: KeysConfigurableModule, MODULE_OPTIONS_TOKEN: KEYS_OPTIONS } = moduleOptions<KeysModuleOptions>('Keys');
