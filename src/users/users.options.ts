import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/** UsersModule's options: the auth settings (`signup` opens POST /users), as Env['auth'] holds them. */
export type UsersModuleOptions = Env['auth'];

export const { ConfigurableModuleClass: UsersConfigurableModule, MODULE_OPTIONS_TOKEN: USERS_OPTIONS } = moduleOptions<UsersModuleOptions>();
