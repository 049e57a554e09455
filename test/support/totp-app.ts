import type TestAgent from 'supertest/lib/agent';
import { totpCode } from '../../src/factors/totp-code';
import type { ManualClock } from './clock';
import { bearer, type Session } from './factories';

/** An authenticator app for the tests: the secret from POST /me/totp, codes computed at the app's (moved) clock. */
export class TotpApp {
  constructor(
    readonly secret: string,
    private readonly clock: ManualClock,
  ) {}

  /** The code of now, or of `offsetSteps` steps away. */
  code(offsetSteps = 0): string {
    return totpCode(this.secret, this.clock.now() + offsetSteps * 30_000);
  }

  /** Moves the clock into the next 30-second step, so a fresh code exists (each code works once). */
  nextStep(): string {
    this.clock.advance(30_000);
    return this.code();
  }
}

/** Enrols and confirms TOTP on this session; the app and the recovery codes the confirmation answered. */
export async function enrolTotp(http: TestAgent, session: Session, clock: ManualClock): Promise<{ app: TotpApp; recoveryCodes: string[] }> {
  const begun = await http.post('/me/totp').set(bearer(session)).expect(200);
  const app = new TotpApp(begun.body.secret, clock);
  const confirmed = await http.post('/me/totp/confirm').set(bearer(session)).send({ code: app.code() }).expect(200);
  return { app, recoveryCodes: confirmed.body.recoveryCodes ?? [] };
}
