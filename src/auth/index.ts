/* The one import of a feature module (and of OAuth, admin, ...): the module, its guard and decorators, and the services a feature needs. */
export { AuthModule } from './auth.module';
export type { AuthModuleOptions } from './auth.options';
export { AccessTokenGuard } from './guards/access-token.guard';
export { Public } from '../common/public.decorator';
export { CurrentUser, type Caller } from '../common/current-user.decorator';
export { AuthService, type LoginOptions } from './auth.service';
export { AccessTokensService } from './access-tokens.service';
export { SessionCookies } from './session-cookies';
/* The users and clients Auth is built on, for what sits above it (OAuth, features): never imported from their folders. */
export { ClientsService } from '../clients/clients.service';
export { RefreshTokensService } from '../clients/refresh-tokens.service';
export { RefreshRejectedException } from '../clients/refresh-rejected.exception';
export { parseRefreshToken } from '../clients/refresh-token';
export type { Origin } from '../clients/client-rules';
export { UsersService } from '../users/users.service';
export { parseRoles } from '../users/roles';
export { bearerToken } from './bearer-token';
export { LoginDto } from './dto/login.dto';
export { RequestOrigin } from './origin.decorator';
export { OriginChecked } from '../common/origin-checked.decorator';
export { Roles } from './roles.decorator';
export { Scopes } from './scopes.decorator';
export { RecentAuth } from './recent-auth.decorator';
/* Second factors (API.md §11): the factors module registers itself with Auth; features say @RequireMfa(). */
export { RequireMfa } from './require-mfa.decorator';
export { MfaRequiredException } from './mfa-required.exception';
export { SecondFactorsRegistry } from './second-factors.registry';
export type { FactorProof, LoginInProgress, MfaChallenge, SecondFactorProvider } from './second-factors.registry';
export { CookieTransport } from './cookie-transport.decorator';
export type { LoginResponseDto } from './dto/tokens.response.dto';
export type { User } from '../users/user.entity';
export { joinAmr } from '../clients/clients.service';
export { earnedScope, unearnedScopes } from './scope-policy';
export { AccessTokenClaimsRegistry, ACCESS_TOKEN_MAX_BYTES, RESERVED_CLAIMS } from './access-token-claims.registry';
export type { ClaimsProvider, TokenSubject } from './access-token-claims.registry';
/* For feature modules: the session events (API.md section 9) and how to listen to them. */
export { OnEvent } from '@nestjs/event-emitter';
export { SessionEventsService, SESSION_EVENT_TYPES, SessionNotifierService } from '../events';
export type { Actor, EventOrigin, SessionEvent, SessionEventData, SessionEventType } from '../events';
/* For sign-ins that end elsewhere (src/identities): cookie mode on their routes (above), and its cookies for a redirect (SessionCookies). */
