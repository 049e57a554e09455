import { ApiTags } from '@nestjs/swagger';
import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../common/public.decorator';
import { KeysService } from './keys.service';

@ApiTags('well-known')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeysService) {}

  /**
   * Public keys only (RFC 7517), cacheable for five minutes. A verifier holding an older copy meets
   * an unknown kid at the first token a new key signs; jose's createRemoteJWKSet, like most verifiers,
   * then fetches the set again.
   */
  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks() {
    return this.keys.jwks();
  }
}
