import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOGIN_TTL_SECONDS } from './identity-logins.service';

/** Sent only to the callbacks; Lax, so the top-level navigation back from the provider carries it. */
const PATH = '/auth/oidc';

/** The cookie that ties a sign-in under way to the browser that started it (a login-CSRF defence). */
export class LoginCookie {
  private readonly name: string;

  constructor(private readonly secure: boolean) {
    this.name = secure ? '__Secure-oidc-login' : 'oidc-login';
  }

  set(reply: FastifyReply, value: string): void {
    reply.setCookie(this.name, value, { path: PATH, httpOnly: true, secure: this.secure, sameSite: 'lax', maxAge: LOGIN_TTL_SECONDS });
  }

  read(request: FastifyRequest): string | undefined {
    return request.cookies?.[this.name] || undefined;
  }

  clear(reply: FastifyReply): void {
    reply.setCookie(this.name, '', { path: PATH, httpOnly: true, secure: this.secure, sameSite: 'lax', maxAge: 0 });
  }
}
