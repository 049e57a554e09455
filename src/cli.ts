import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { EnvError } from './config/env';
import { KeysService } from './keys/keys.service';

/*
 * Admin commands, run against the same database and services as the app:
 *   npm run cli -- rotate-keys
 * Output is plain text; bad input exits non-zero with a message.
 */
const COMMANDS: Record<string, { usage: string; run(app: Awaited<ReturnType<typeof context>>, args: string[]): Promise<string> }> = {
  'rotate-keys': {
    usage:
      'rotate-keys [--now]         publish a new signing key; it signs after AUTH_KEY_ACTIVATION_DELAY (--now: at once).\n' +
      '                              Older keys verify until their tokens expire; nobody is logged out.',
    async run(app, args) {
      const unknown = args.filter((arg) => arg !== '--now');
      if (unknown.length > 0) throw new UsageError(`unknown option: ${unknown.join(' ')}`);
      const key = await app.get(KeysService).rotate({ immediately: args.includes('--now') });
      return `new signing key ${key.kid} (${key.algorithm}) signs from ${key.activatesAt.toISOString()}; instances notice within a minute`;
    },
  },
};

class UsageError extends Error {}

function context() {
  return NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`${name ? `unknown command: ${name}\n` : ''}usage: npm run cli -- <command>\n`);
    for (const { usage } of Object.values(COMMANDS)) console.error(`  ${usage}`);
    return 2;
  }
  const app = await context();
  try {
    console.log(await command.run(app, args));
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\nusage: npm run cli -- ${command.usage}`);
    return 2;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof EnvError || error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
