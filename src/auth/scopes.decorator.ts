import { SetMetadata } from '@nestjs/common';

export const REQUIRED_SCOPES = 'requiredScopes';

/**
 * Only access tokens whose `scope` claim holds every one of these scopes; others get 403
 * `insufficient_scope` with RFC 6750's challenge. A token issued without a scope has none.
 */
export const Scopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES, scopes);
