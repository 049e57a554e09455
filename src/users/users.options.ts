import { moduleOptions } from '../common/module-options';

/** UsersModule's options: only what it reads. */
export interface UsersModuleOptions {
  /** AUTH_SIGNUP: whether POST /users is open. */
  signup: boolean;
}

export const { ConfigurableModuleClass: UsersConfigurableModule, MODULE_OPTIONS_TOKEN: USERS_OPTIONS } = moduleOptions<UsersModuleOptions>('Users');
