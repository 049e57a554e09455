import autocannon from 'autocannon';

/*
 * Cases that run only when the server has the feature (API.md sections 7 and 8), detected at start;
 * otherwise they are skipped with a printed line, and their targets with them.
 */

const COOKIE_MODE = { 'x-session-transport': 'cookie' };

/** The `name=value` of the refresh cookie (the one scoped to the token endpoints) among Set-Cookie headers. */
function refreshCookie(setCookie: string | string[] | null | undefined): string | undefined {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const cookie = cookies.find((c) => /;\s*path=\/token\s*(;|$)/i.test(c) && !/;\s*max-age=0\s*(;|$)/i.test(c));
  return cookie?.split(';')[0];
}

/** Logs in in cookie mode; the refresh cookie, or why cookie mode is not there. */
export async function cookieLogin(url: string, credentials: object): Promise<{ cookie?: string; skipped?: string }> {
  const login = await fetch(`${url}/auth?permanent=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...COOKIE_MODE },
    body: JSON.stringify(credentials),
  });
  const cookie = refreshCookie(login.headers.getSetCookie());
  if (!login.ok || !cookie) return { skipped: `a cookie-mode login answered ${login.status} without a refresh cookie` };
  const refresh = await fetch(`${url}/token`, { method: 'POST', headers: { ...COOKIE_MODE, cookie } });
  const next = refreshCookie(refresh.headers.getSetCookie());
  if (!refresh.ok || !next) return { skipped: `a cookie-mode POST /token answered ${refresh.status} without a new refresh cookie` };
  return { cookie: next };
}

/** Refresh chains in cookie mode: the token travels in the refresh cookie, both ways; no body. */
export class CookieChains {
  private readonly pool: string[];

  constructor(cookies: string[]) {
    this.pool = [...cookies];
  }

  request(): autocannon.Request {
    return {
      method: 'POST',
      path: '/token',
      setupRequest: (request: any, context: any) => {
        context.cookie = this.pool.shift();
        return { ...request, headers: { ...COOKIE_MODE, cookie: context.cookie } };
      },
      onResponse: (status: number, _body: string, context: any, headers: Record<string, string | string[]>) => {
        this.pool.push((status < 300 && refreshCookie(headers['set-cookie'])) || context.cookie);
      },
    } as autocannon.Request;
  }
}

/**
 * The @Roles pair (bench/twins-server.ts): why it cannot run, or nothing when both routes answer 2xx to
 * the bench user's token (an admin: granted through the CLI before its login).
 */
export async function rolesSkipReason(url: string, accessToken: string): Promise<string | undefined> {
  for (const path of ['/bench/caller', '/bench/caller/admin']) {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
    if (!response.ok)
      return `GET ${path} answered ${response.status}${response.status === 403 ? ': granting the bench user the admin role did not take' : ''}`;
  }
  return undefined;
}
