import { SetMetadata } from '@nestjs/common';

export const REQUIRE_MFA = 'requireMfa';

/**
 * The route needs a session that proved two kinds of factor (`mfa` in the access token's amr, RFC
 * 8176), else 403 `mfa_required`. AUTH_MFA_REQUIRED_ROLES adds the same rule to routes guarded by those roles.
 */
export const RequireMfa = (): MethodDecorator & ClassDecorator => SetMetadata(REQUIRE_MFA, true);
