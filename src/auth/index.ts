/* What the modules above Auth (OAuth, admin, ...) may use of it. */
export { AuthModule } from './auth.module';
export { AuthService } from './auth.service';
export { AccessTokensService } from './access-tokens.service';
export { bearerToken } from './bearer-token';
export { LoginDto } from './dto/login.dto';
export { RequestOrigin } from './origin.decorator';
export { Roles } from './roles.decorator';
export { Scopes } from './scopes.decorator';
export { AccessTokenClaimsRegistry, ACCESS_TOKEN_MAX_BYTES, RESERVED_CLAIMS } from './access-token-claims.registry';
export type { ClaimsProvider, TokenSubject } from './access-token-claims.registry';
export { Public } from '../common/public.decorator';
export { CurrentUser } from '../common/current-user.decorator';
export type { Caller } from '../common/current-user.decorator';
/* For feature modules: the session events (API.md section 9) and how to listen to them. */
export { OnEvent } from '@nestjs/event-emitter';
export { SessionEvents, SESSION_EVENT_TYPES } from '../events';
export type { Actor, EventOrigin, SessionEvent, SessionEventData, SessionEventType } from '../events';
