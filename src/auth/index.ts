/* The one import of a feature module (and of OAuth, admin, ...): the module, its guard and decorators, and the services a feature needs. */
export { AuthModule } from './auth.module';
export type { AuthModuleOptions } from './auth.options';
export { AccessTokenGuard } from './guards/access-token.guard';
export { Public } from '../common/public.decorator';
export { CurrentUser, type Caller } from '../common/current-user.decorator';
export { AuthService } from './auth.service';
export { AccessTokensService } from './access-tokens.service';
export { ClientsService } from '../clients/clients.service';
export { UsersService } from '../users/users.service';
export { bearerToken } from './bearer-token';
export { LoginDto } from './dto/login.dto';
export { RequestOrigin } from './origin.decorator';
