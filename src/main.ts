import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { EnvError, loadEnv } from './config/env';

async function bootstrap(): Promise<void> {
  const env = loadEnv();
  const { http } = env;
  // Required once the environment passed: a bad variable is reported without loading (a second of) the app.
  // require, not import(): Node 20 would load the CommonJS file through its ESM loader, which fails on this tree.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createApp } = require('./app.factory') as typeof import('./app.factory');
  const app = await createApp({ env });
  // SIGTERM/SIGINT: drain (late requests get 503 while in-flight ones finish; DrainingFastifyAdapter),
  // close the listener, the database and Redis, exit 0. Should anything hang, it still ends 10 s after the signal.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), 10_000).unref());
  }
  await app.listen(http.port, http.host);
  new Logger('Bootstrap').log(`refresh-auth listening on http://${http.host}:${http.port}`);
}

bootstrap().catch((error: unknown) => {
  // A bad environment is the operator's to fix: say which variable, without a stack trace.
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
});
