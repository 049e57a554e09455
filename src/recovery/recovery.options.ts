import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** RecoveryModule's options: token lifetimes and links, as Env['recovery'] holds them. */
export type RecoveryModuleOptions = Env['recovery'];

export const { ConfigurableModuleClass: RecoveryConfigurableModule, MODULE_OPTIONS_TOKEN: RECOVERY_OPTIONS } =
  moduleOptions<RecoveryModuleOptions>();
