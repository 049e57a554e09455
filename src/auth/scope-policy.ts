/*
 * Which scopes a user may hold (API.md §8, issue 24): a scope is earned by a role of the same name
 * (API.md §13's "role scopes named like the role"), or open to every user by configuration
 * (AUTH_OPEN_SCOPES). Asking is never enough: a route guarded by @Scopes alone must not open to
 * anyone who typed the scope.
 */

/**
 * OpenID Connect's identity scopes (API.md §13) are claims about the user themself, granted by the
 * user's consent, never an authority: every user earns them, and no route may be guarded by them.
 */
export const IDENTITY_SCOPES: readonly string[] = ['openid', 'profile', 'email'];

/** The scopes of a space-separated scope that the roles and the open scopes do not allow. */
export function unearnedScopes(scope: string, roles: readonly string[], openScopes: readonly string[]): string[] {
  return scope
    .split(' ')
    .filter((token) => token !== '' && !roles.includes(token) && !openScopes.includes(token) && !IDENTITY_SCOPES.includes(token));
}

/** The part of a granted scope the user still earns (roles change after a grant); null when nothing is left. */
export function earnedScope(scope: string | null, roles: readonly string[], openScopes: readonly string[]): string | null {
  if (!scope) return null;
  const unearned = new Set(unearnedScopes(scope, roles, openScopes));
  const earned = scope.split(' ').filter((token) => token !== '' && !unearned.has(token));
  return earned.length > 0 ? earned.join(' ') : null;
}
