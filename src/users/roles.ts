/** Role names (API.md §8): stored space-joined in users.roles, so a name never holds a space. */
export const ROLE_PATTERN = /^[a-z0-9:_-]{1,64}$/;
export const MAX_ROLES = 32;
export const ADMIN_ROLE = 'admin';

export function parseRoles(stored: string | null | undefined): string[] {
  return stored ? stored.split(' ').filter(Boolean) : [];
}

/** Sorted and deduplicated, so equal sets store equally. */
export function formatRoles(roles: readonly string[]): string {
  return [...new Set(roles)].sort().join(' ');
}
