import type { Env } from '../config/env';
import { moduleOptions } from '../common/module-options';

/**
 * ClientsModule's options: the lifetimes of a session (a non-permanent one lives as long as an access
 * token), the grace of a rotation, the revocation cache, the cap per user and the pruning of ended clients.
 */
export type ClientsModuleOptions = Pick<
  Env['auth'],
  | 'accessTtl'
  | 'refreshIdleTtl'
  | 'refreshAbsoluteTtl'
  | 'refreshGrace'
  | 'clientCacheTtl'
  | 'clientRetention'
  | 'pruneInterval'
  | 'maxClientsPerUser'
>;

export const { ConfigurableModuleClass: ClientsConfigurableModule, MODULE_OPTIONS_TOKEN: CLIENTS_OPTIONS } =
  moduleOptions<ClientsModuleOptions>('Clients');
