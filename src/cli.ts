import 'reflect-metadata';

/*
 * Admin commands, run against the same database and services as the app (DATABASE_URL etc.):
 *   npm run cli -- <command> [arguments]
 * Output is plain text; bad input exits 2 with a message, a failure 1.
 * What the commands do is in src/cli-commands.ts, loaded with the app only once the command is known:
 * the usage and an unknown command answer at once.
 */
const USAGE = {
  'create-user': 'create-user <username>        the password is read from standard input (never an argument: it would reach the shell history)',
  'list-clients': 'list-clients <username>       the user’s live clients, newest first',
  'end-client': 'end-client <username> <id>    end one client: its refresh and access tokens stop working',
  'end-clients': 'end-clients <username>        end every client of the user (log out everywhere)',
  'grant-role': 'grant-role <username> <role>  give a role (the first admin: grant-role alice admin); audited',
  'revoke-role': 'revoke-role <username> <role> take a role away; it stops working on the next request; audited',
  'set-password': 'set-password <username>       the new password from standard input; every client of the user ends; audited',
  disable: 'disable <username>            no login, no refresh, every client ends (reason disabled); audited',
  enable: 'enable <username>             undo disable; audited',
  prune: 'prune                         delete clients that ended longer than AUTH_CLIENT_RETENTION ago',
  'rotate-keys':
    'rotate-keys [--now]           publish a new signing key; it signs after AUTH_KEY_ACTIVATION_DELAY (--now: at once);\n' +
    '                                older keys verify until their tokens expire, nobody is logged out',
};

export type CommandName = keyof typeof USAGE;

/*
 * The app's modules, required only here. require, not import(): Node 20 loads an import()ed CommonJS file
 * through its ESM loader, which fails on this tree ("Request for 'reflect-metadata' is not in cache").
 */
function loadApp() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    ...(require('@nestjs/core') as typeof import('@nestjs/core')),
    ...(require('./app.module') as typeof import('./app.module')),
    ...(require('./config/env') as typeof import('./config/env')),
    ...(require('./config/env-file') as typeof import('./config/env-file')),
    ...(require('./cli-commands') as typeof import('./cli-commands')),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

function usage(): string {
  return ['usage: npm run cli -- <command>', ...Object.values(USAGE).map((line) => `  ${line}`)].join('\n');
}

/**
 * Where a run reads and writes: the process's own (standard input and output, its environment) when run
 * as `npm run cli`; a test may run commands in-process with its own (test/support/cli.ts).
 */
export interface CliIo {
  /** The environment to read instead of the process's (with .env, as loadEnv reads it). */
  env?: Record<string, string | undefined>;
  stdin: AsyncIterable<string | Buffer> & { isTTY?: boolean };
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_IO: CliIo = {
  get stdin() {
    return process.stdin;
  },
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || !Object.hasOwn(USAGE, name)) {
    io.err(`${name ? `unknown command: ${name}\n` : ''}${usage()}`);
    return 2;
  }
  const command = name as CommandName;
  const { NestFactory, AppModule, loadEnv, readEnvironment, COMMANDS, UsageError } = loadApp();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadEnv(io.env && readEnvironment(process.cwd(), io.env))), {
    logger: ['error'],
  });
  try {
    io.out(await COMMANDS[command].run(app, args, io.stdin));
    return 0;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (error instanceof UsageError || (typeof status === 'number' && status < 500)) {
      io.err(`${(error as Error).message}\nusage: npm run cli -- ${USAGE[command]}`);
      return 2;
    }
    throw error;
  } finally {
    await app.close();
  }
}

/** One run of a command: its exit code (0 done, 2 bad input, 1 a failure, whose message goes to `io.err`). */
export function runCommand(argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
  return main(argv, io).catch((error: unknown) => {
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  });
}

if (require.main === module) void runCommand(process.argv.slice(2)).then((code) => process.exit(code));
