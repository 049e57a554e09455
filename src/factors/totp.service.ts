import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Not, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { KeysService } from '../keys/keys.service';
import { TotpFactor } from './entities/totp-factor.entity';
import { FACTORS_OPTIONS, type FactorsModuleOptions } from './factors.options';
import { matchingStep, newTotpSecret, otpauthUri } from './totp-code';

/**
 * TOTP (RFC 6238): a secret sealed at rest with the key-encryption secret, pending until a first code
 * confirms it. Each code works once: the database keeps the last accepted step, and a code is taken
 * only by the conditional UPDATE that moves it forward, so two requests racing with one code (on one
 * instance or several) cannot both win.
 */
@Injectable()
export class TotpService {
  constructor(
    @InjectRepository(TotpFactor) private readonly factors: Repository<TotpFactor>,
    private readonly keys: KeysService,
    private readonly clock: Clock,
    @Inject(FACTORS_OPTIONS) private readonly config: FactorsModuleOptions,
  ) {}

  /** A new pending secret (replacing a pending one); 409 while TOTP is on. */
  async begin(userId: string, username: string): Promise<{ secret: string; otpauthUri: string }> {
    if (await this.isOn(userId)) throw new ConflictException('TOTP is already on: remove it first to enrol another');
    const secret = newTotpSecret();
    const row = {
      userId,
      secret: this.keys.sealAtRest(secret, context(userId)),
      createdAt: new Date(this.clock.now()),
      confirmedAt: null,
      lastUsedStep: null,
    };
    // Only a pending row is replaced: a confirmation racing this keeps its confirmed secret.
    await this.factors.delete({ userId, confirmedAt: IsNull() });
    await this.factors.insert(row).catch(() => {
      throw new ConflictException('TOTP is already on: remove it first to enrol another');
    });
    return { secret, otpauthUri: otpauthUri(secret, username, this.config.rpId) };
  }

  /** Turns the pending secret on with a first right code (which is then spent); false for a wrong code or nothing pending. */
  async confirm(userId: string, code: string): Promise<boolean> {
    const pending = await this.factors.findOneBy({ userId, confirmedAt: IsNull() });
    const step = pending && matchingStep(this.secretOf(pending), code, this.clock.now());
    if (step === null || step === undefined) return false;
    const { affected } = await this.factors
      .createQueryBuilder()
      .update()
      .set({ confirmedAt: new Date(this.clock.now()), lastUsedStep: step })
      .where('user_id = :userId AND confirmed_at IS NULL AND secret = :secret', { userId, secret: pending!.secret })
      .execute();
    return affected === 1;
  }

  /** A right code of a step later than the last one used: true once, and that step is spent. */
  async verify(userId: string, code: string): Promise<boolean> {
    const factor = await this.factors.findOneBy({ userId, confirmedAt: Not(IsNull()) });
    const step = factor && matchingStep(this.secretOf(factor), code, this.clock.now());
    if (step === null || step === undefined) return false;
    // The database decides: of two requests with one code, one UPDATE matches.
    const { affected } = await this.factors
      .createQueryBuilder()
      .update()
      .set({ lastUsedStep: step })
      .where('user_id = :userId AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < :step)', { userId, step })
      .execute();
    return affected === 1;
  }

  async isOn(userId: string): Promise<boolean> {
    return this.factors.existsBy({ userId, confirmedAt: Not(IsNull()) });
  }

  /** Removes TOTP, pending or on; whether it was on. */
  async remove(userId: string): Promise<boolean> {
    const on = await this.factors.delete({ userId, confirmedAt: Not(IsNull()) });
    await this.factors.delete({ userId });
    return (on.affected ?? 0) > 0;
  }

  private secretOf(factor: TotpFactor): string {
    return this.keys.openAtRest(factor.secret, context(factor.userId));
  }
}

/** The sealed secret is bound to its user: copied to another row, it does not open. */
const context = (userId: string) => `totp:${userId}`;
