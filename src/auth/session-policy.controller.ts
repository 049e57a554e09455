import { ApiTags } from '@nestjs/swagger';
import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '../common/public.decorator';
import { AUTH_OPTIONS, type AuthModuleOptions } from './auth.options';
import { DpopService } from '../dpop';

/** Published so clients can schedule refreshes instead of waiting for a 401. All durations in seconds. */
@ApiTags('well-known')
@Controller('.well-known')
export class SessionPolicyController {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly config: AuthModuleOptions,
    private readonly dpop: DpopService,
  ) {}

  @Public()
  @Get('session-policy')
  policy() {
    const c = this.config;
    return {
      accessTokenTtl: c.accessTtl,
      refreshIdleTtl: c.refreshIdleTtl,
      refreshAbsoluteTtl: c.refreshAbsoluteTtl,
      refreshGrace: c.refreshGrace,
      revocationBound: c.clientCacheTtl,
      endedClientRetention: c.clientRetention,
      /** Whether POST /users is open (AUTH_SIGNUP), so a sign-in page offers sign-up only when it works. */
      signup: c.signup,
      /** Names of the upstream providers (GET /auth/oidc/<name>), so a sign-in page shows a button for each. */
      identityProviders: c.identityProviders ?? [],
      loginLimits: {
        window: c.loginWindow,
        maxFailuresPerUsernameAndAddress: c.loginMaxFailuresPerUserAddress,
        maxFailuresPerUsername: c.loginMaxFailuresPerUser,
        maxFailuresPerDevice: c.loginMaxFailuresPerDevice,
        maxFailuresPerAddress: c.loginMaxFailuresPerAddress,
        maxSuccessesPerAddress: c.loginMaxSuccessesPerAddress,
      },
      /** RFC 9449: the algorithms proofs may use, and whether a proof is required (AUTH_DPOP=required). */
      dpop_signing_alg_values_supported: this.dpop.algorithms,
      dpopRequired: this.dpop.required,
      serverTime: new Date().toISOString(),
    };
  }
}
