import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { createApp } from '../src/app.factory';
import { type Caller, CurrentUser, Roles } from '../src/auth';
import { loadEnv } from '../src/config/env';

/**
 * The production app (src/app.factory.ts, as main.ts builds it) with one feature module added the way a
 * team adds theirs (docs/extending.md): two routes with the same handler, one behind `@Roles('admin')`.
 * Their rates differ by what the role check costs and nothing else.
 */
@Controller('bench/caller')
class TwinsController {
  @Get()
  caller(@CurrentUser() caller: Caller): { userId: string; clientId: string } {
    return { userId: caller.userId, clientId: caller.clientId };
  }

  @Roles('admin')
  @Get('admin')
  admin(@CurrentUser() caller: Caller): { userId: string; clientId: string } {
    return { userId: caller.userId, clientId: caller.clientId };
  }
}

@Module({ controllers: [TwinsController] })
class TwinsModule {}

async function main(): Promise<void> {
  const env = loadEnv();
  const app = await createApp({ env, imports: [TwinsModule] });
  await app.listen(env.http.port, env.http.host);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
