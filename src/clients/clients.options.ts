import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** ClientsModule's options: the auth settings (lifetimes, grace, client cache, retention), as Env['auth'] holds them. */
export type ClientsModuleOptions = Env['auth'];

export const { ConfigurableModuleClass: ClientsConfigurableModule, MODULE_OPTIONS_TOKEN: CLIENTS_OPTIONS } = moduleOptions<ClientsModuleOptions>();
