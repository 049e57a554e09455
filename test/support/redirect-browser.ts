/**
 * A browser without a page, enough for a redirect dance: a cookie jar per origin (name and value;
 * Max-Age=0 deletes), and redirects followed by hand so a test can stop at a URL and tamper with it.
 */
export class RedirectBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  /** One request with this origin's cookies; Set-Cookie answers go into the jar. Never follows a redirect. */
  async request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const { origin } = new URL(url);
    const jar = this.jar(origin);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, ...(cookie && { cookie }) } });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }

  /**
   * Follows redirects from `url` until one leads to a URL for which `stop` says true (returned, not
   * visited) or a response is not a redirect (then an error: the dance went wrong).
   */
  async followUntil(url: string, stop: (next: URL) => boolean, limit = 15): Promise<URL> {
    let current = url;
    for (let i = 0; i < limit; i++) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (!location || response.status < 300 || response.status >= 400) {
        throw new Error(`${current} answered ${response.status} ${await response.text()}`);
      }
      const next = new URL(location, current);
      if (stop(next)) return next;
      current = next.href;
    }
    throw new Error('too many redirects');
  }

  setCookie(origin: string, name: string, value: string): void {
    this.jar(origin).set(name, value);
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar(origin).get(name);
  }

  private jar(origin: string): Map<string, string> {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    return jar;
  }
}
