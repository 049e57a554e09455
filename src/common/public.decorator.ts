import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'isPublic';

/** Opens a route to callers without an access token; every other route needs one (global guard). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
