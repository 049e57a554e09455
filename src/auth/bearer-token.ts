/** `Authorization: Bearer <token>`, the scheme case-insensitive (RFC 6750 §2.1). */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
}

/** `Authorization: Bearer <token>` or `DPoP <token>` (RFC 9449 §7.1), schemes case-insensitive; undefined for anything else. */
export function authorizationToken(authorization: string): { scheme: 'Bearer' | 'DPoP'; token: string } | undefined {
  const match = /^(Bearer|DPoP) +(\S+) *$/i.exec(authorization);
  if (!match) return undefined;
  return { scheme: match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}
