import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** RecoveryModule's options: the links' lifetimes and the public URL they point to. */
export type RecoveryModuleOptions = Pick<Env['recovery'], 'publicUrl' | 'resetTtl' | 'emailVerifyTtl'>;

export const { ConfigurableModuleClass: RecoveryConfigurableModule, MODULE_OPTIONS_TOKEN: RECOVERY_OPTIONS } =
  moduleOptions<RecoveryModuleOptions>('Recovery');
