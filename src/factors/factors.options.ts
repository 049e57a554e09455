import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** FactorsModule's options: the WebAuthn relying party (its id and the origins responses may come from). */
export type FactorsModuleOptions = Env['factors'];

export const { ConfigurableModuleClass: FactorsConfigurableModule, MODULE_OPTIONS_TOKEN: FACTORS_OPTIONS } =
  moduleOptions<FactorsModuleOptions>('Factors');
