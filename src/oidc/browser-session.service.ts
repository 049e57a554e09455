import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccessTokensService, SessionCookies } from '../auth';

/** The user signed in on the account page in this browser (cookie mode, API.md §7), as /authorize sees them. */
export interface BrowserSession {
  userId: string;
  /** Our own client of that sign-in. */
  clientId: string;
  /** When the user last proved who they are there (ms). */
  authTime: number;
  /** RFC 8176 methods, when the session's access token says (API.md §11). */
  amr: string[] | null;
  roles: string[];
}

@Injectable()
export class BrowserSessionService {
  constructor(
    private readonly cookies: SessionCookies,
    private readonly accessTokens: AccessTokensService,
  ) {}

  /** The live session of the access cookie; null without one, or when it is expired or ended. */
  async of(request: FastifyRequest): Promise<BrowserSession | null> {
    const token = this.cookies.access(request);
    if (!token) return null;
    const session = await this.accessTokens.authenticate(token).catch(() => null);
    if (!session) return null;
    const amr = (session.claims as { amr?: unknown }).amr;
    return {
      userId: session.caller.userId,
      clientId: session.caller.clientId,
      authTime: session.claims.auth_time * 1000,
      amr: Array.isArray(amr) && amr.every((method) => typeof method === 'string') ? amr : null,
      roles: session.roles,
    };
  }
}
