import { ChildProcess, spawn } from 'node:child_process';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { join } from 'node:path';
import { freePort } from './app';

export interface UpstreamAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

export interface UpstreamClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

/** A fresh RS256 signing key as a private JWK (with kid), for the upstream or for a forger. */
export async function signingJwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

/**
 * A real OpenID Connect provider (oidc-provider) on 127.0.0.1 in a child process, with its own
 * accounts and registered clients. `issuer` defaults to its own URL; a test that puts a TcpProxy
 * in front passes the proxy's URL (and `port`, the port the provider itself listens on).
 */
export class UpstreamOidc {
  private constructor(
    private readonly child: ChildProcess,
    readonly issuer: string,
    /** The provider's private signing key: a test forges "genuine" ID tokens with it. */
    readonly key: JWK,
    /** The provider itself, whatever stands in front of it. */
    private readonly direct: string,
  ) {}

  static async start(options: {
    clients: UpstreamClient[];
    accounts: Record<string, UpstreamAccount>;
    port?: number;
    issuer?: string;
  }): Promise<UpstreamOidc> {
    const key = await signingJwk('upstream-key');
    const port = options.port ?? (await freePort());
    const issuer = options.issuer ?? `http://127.0.0.1:${port}`;
    const config = { clients: options.clients, accounts: options.accounts, jwks: { keys: [key] } };
    const child = spawn(process.execPath, [join(__dirname, 'upstream-oidc-server.mjs')], {
      env: {
        PATH: process.env.PATH,
        UPSTREAM_PORT: String(port),
        UPSTREAM_ISSUER: issuer,
        UPSTREAM_CONFIG: JSON.stringify(config),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`upstream did not start: ${output}`)), 15_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (/listening \d+/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
      child.once('exit', () => reject(new Error(`upstream exited: ${output}`)));
    });
    return new UpstreamOidc(child, issuer, key, `http://127.0.0.1:${port}`);
  }

  /** The account the next login at the provider signs in. */
  async signInNextAs(accountId: string): Promise<void> {
    await this.control('/_control/account', { id: accountId });
  }

  /** The next token response carries this ID token instead of the real one. */
  async tamperNextIdToken(idToken: string): Promise<void> {
    await this.control('/_control/tamper', { idToken });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await new Promise((resolve) => this.child.once('exit', resolve));
  }

  private async control(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${this.direct}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    if (response.status !== 204) throw new Error(`upstream control ${path}: ${response.status}`);
  }
}
