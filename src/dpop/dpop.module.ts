import { Module } from '@nestjs/common';
import { RedisModule } from '../redis/redis.module';
import { DpopConfigurableModule } from './dpop.options';
import { DpopProofGuard } from './dpop-proof.guard';
import { DpopReplayCache } from './dpop-replay.cache';
import { DpopService } from './dpop.service';

/** RFC 9449 proofs for auth and oauth: `DpopModule.forRoot({ mode, nonce, nonceSecret, issuer })`. */
@Module({
  imports: [RedisModule],
  providers: [DpopService, DpopReplayCache, DpopProofGuard],
  exports: [DpopService, DpopProofGuard],
})
export class DpopModule extends DpopConfigurableModule {}
