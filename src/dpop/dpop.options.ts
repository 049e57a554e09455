import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/**
 * DpopModule's options: `mode` (AUTH_DPOP), `nonce` (AUTH_DPOP_NONCE), the issuer that proofs' `htu`
 * is compared against, and the secret the server nonces derive from (null: random to this process).
 */
export type DpopModuleOptions = Env['dpop'] & { issuer: string };

export const { ConfigurableModuleClass: DpopConfigurableModule, MODULE_OPTIONS_TOKEN: DPOP_OPTIONS } = moduleOptions<DpopModuleOptions>('Dpop');
