/* The one import of auth and oauth: proofs, their guard for token endpoints, and RFC 9449's errors. */
export { DpopModule } from './dpop.module';
export type { DpopModuleOptions } from './dpop.options';
export { DpopService } from './dpop.service';
export { DpopKey, DpopProofGuard } from './dpop-proof.guard';
export { DpopRejectedException, DPOP_ERRORS } from './dpop-rejected.exception';
export { accessTokenHash, DPOP_ALGORITHMS } from './dpop-proof';
