import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { KeysService } from '../keys/keys.service';
import { RecoveryCode } from './entities/recovery-code.entity';
import { hashRecoveryCode, newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-code';

/** Recovery codes: ten at a time, stored as keyed hashes, each deleted by the one use that spends it. */
@Injectable()
export class RecoveryCodesService {
  constructor(
    @InjectRepository(RecoveryCode) private readonly codes: Repository<RecoveryCode>,
    private readonly keys: KeysService,
    private readonly clock: Clock,
  ) {}

  /** Ten new codes, in the clear here and in the response only; the old ones die in the same transaction. */
  async replace(userId: string): Promise<string[]> {
    const plain = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const createdAt = new Date(this.clock.now());
    await this.codes.manager.transaction(async (manager) => {
      await manager.delete(RecoveryCode, { userId });
      await manager.insert(
        RecoveryCode,
        plain.map((code) => ({ id: randomUUID(), userId, codeHash: this.hash(code), createdAt })),
      );
    });
    return plain;
  }

  /** Spends the code if it is one of the user's: true once; the DELETE decides between racing uses. */
  async use(userId: string, code: string): Promise<boolean> {
    if (!/^[a-z0-9]{12}$/.test(normalizeRecoveryCode(code))) return false;
    const { affected } = await this.codes.delete({ userId, codeHash: this.hash(code) });
    return affected === 1;
  }

  left(userId: string): Promise<number> {
    return this.codes.countBy({ userId });
  }

  /** The last factor went: the codes that stood in for it go too. */
  async voidAll(userId: string): Promise<number> {
    return (await this.codes.delete({ userId })).affected ?? 0;
  }

  private hash(code: string): string {
    return hashRecoveryCode(this.keys.hashKey('recovery codes'), code);
  }
}
