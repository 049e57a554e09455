import { Injectable } from '@nestjs/common';
import type { Caller } from '../common/current-user.decorator';
import type { User } from '../users/user.entity';

/** What a login waiting for its second factor is told (API.md §11): the mfaToken that finishes it. */
export interface MfaChallenge {
  mfaToken: string;
  /** The methods the user can finish with: `totp`, `passkey`, `recovery_code`. */
  methods: string[];
  /** Seconds the mfaToken lives. */
  expiresIn: number;
}

/** What a login stopped at its second factor remembers, for the login POST /auth/mfa finishes. */
export interface LoginInProgress {
  permanent: boolean;
  scope: string | null;
  /** It came through an upstream provider (API.md §12). */
  identityProvider?: string | null;
}

/** A second factor given to POST /auth/reauthenticate. */
export interface FactorProof {
  method: string;
  code?: string;
  credential?: Record<string, unknown>;
}

/**
 * The second factors, as Auth sees them: the factors module (which sits above Auth) registers itself
 * here at start, so a password login of a user with a factor stops at mfa_required without Auth
 * knowing how factors work.
 */
export interface SecondFactorProvider {
  /** Starts the second step of a login whose password checked out: no client exists yet. */
  challenge(user: User, login: LoginInProgress): Promise<MfaChallenge>;
  /** The RFC 8176 amr values the proof gives the caller's user, or null when it is wrong. */
  prove(caller: Caller, proof: FactorProof): Promise<string[] | null>;
}

@Injectable()
export class SecondFactorsRegistry {
  private provider: SecondFactorProvider | null = null;

  register(provider: SecondFactorProvider): void {
    this.provider = provider;
  }

  /** The registered provider; a user with factors and none to check them must never log in with a password alone. */
  get(): SecondFactorProvider {
    if (!this.provider) throw new Error('The user has second factors but no factors module is mounted');
    return this.provider;
  }

  get available(): boolean {
    return this.provider !== null;
  }
}
