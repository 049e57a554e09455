import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { AdminUsersService } from './admin/admin-users.service';
import type { AdminActor } from './admin/audit.service';
import { SetPasswordDto } from './admin/dto/set-password.dto';
import { UpdateUserDto } from './admin/dto/update-user.dto';
import { AppModule } from './app.module';
import { ClientsService } from './clients/clients.service';
import type { Actor } from './events';
import { loadEnv } from './config/env';
import { KeysService } from './keys/keys.service';
import { CreateUserDto } from './users/dto/create-user.dto';
import { parseRoles } from './users/roles';
import { UsersService } from './users/users.service';

/*
 * Admin commands, run against the same database and services as the app (DATABASE_URL etc.):
 *   npm run cli -- <command> [arguments]
 * Output is plain text; bad input exits 2 with a message, a failure 1.
 */
class UsageError extends Error {}

/** Who the CLI's events name as their cause. */
const BY_CLI: Actor = { kind: 'cli' };

interface Command {
  usage: string;
  run(app: INestApplicationContext, args: string[]): Promise<string>;
}

function expectArgs(args: string[], count: number): void {
  if (args.length !== count) throw new UsageError(`expected ${count} argument(s), got ${args.length}`);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('pipe the password on standard input, e.g. printf %s "$PASSWORD" | npm run cli -- create-user alice');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

function validated<T extends object>(type: new () => T, plain: object): T {
  const body = plainToInstance(type, plain);
  const errors = validateSync(body);
  if (errors.length > 0) throw new UsageError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
  return body;
}

const COMMANDS: Record<string, Command> = {
  'create-user': {
    usage: 'create-user <username>        the password is read from standard input (never an argument: it would reach the shell history)',
    async run(app, args) {
      expectArgs(args, 1);
      const body = plainToInstance(CreateUserDto, { username: args[0], password: await readStdin() });
      const errors = validateSync(body);
      if (errors.length > 0) throw new UsageError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
      const user = await app.get(UsersService).create(body.username, body.password, { by: BY_CLI });
      return `created user ${user.username} (${user.id})`;
    },
  },
  'list-clients': {
    usage: 'list-clients <username>       the user’s live clients, newest first',
    async run(app, args) {
      expectArgs(args, 1);
      const user = await app.get(UsersService).findByUsername(args[0]);
      const clients = await app.get(ClientsService).list(user.id);
      if (clients.length === 0) return `${user.username} has no live clients`;
      return clients
        .map(
          (c) =>
            `${c.id}  ${c.permanent ? 'permanent' : 'temporary'}  created ${c.createdAt.toISOString()}  last used ${c.lastUsedAt.toISOString()}  expires ${c.expiresAt.toISOString()}  ${c.ip ?? '-'}  ${c.userAgent ?? '-'}`,
        )
        .join('\n');
    },
  },
  'end-client': {
    usage: 'end-client <username> <id>    end one client: its refresh and access tokens stop working',
    async run(app, args) {
      expectArgs(args, 2);
      const user = await app.get(UsersService).findByUsername(args[0]);
      await app.get(ClientsService).end(user.id, args[1], 'revoked', BY_CLI);
      return `ended client ${args[1]} of ${user.username}`;
    },
  },
  'end-clients': {
    usage: 'end-clients <username>        end every client of the user (log out everywhere)',
    async run(app, args) {
      expectArgs(args, 1);
      const user = await app.get(UsersService).findByUsername(args[0]);
      const ended = await app.get(ClientsService).endAllExcept(user.id, '', 'revoked', BY_CLI);
      return `ended ${ended} client(s) of ${user.username}`;
    },
  },
  'grant-role': {
    usage: 'grant-role <username> <role>  give a role (the first admin: grant-role alice admin); audited',
    run: (app, args) => changeRoles(app, args, (roles, role) => [...roles, role]),
  },
  'revoke-role': {
    usage: 'revoke-role <username> <role> take a role away; it stops working on the next request; audited',
    run: (app, args) => changeRoles(app, args, (roles, role) => roles.filter((r) => r !== role)),
  },
  'set-password': {
    usage: 'set-password <username>       the new password from standard input; every client of the user ends; audited',
    async run(app, args) {
      expectArgs(args, 1);
      const user = await app.get(UsersService).findByUsername(args[0]);
      const body = validated(SetPasswordDto, { newPassword: await readStdin() });
      await app.get(AdminUsersService).setPassword(CLI, user.id, body.newPassword);
      return `set the password of ${user.username}; every client ended`;
    },
  },
  disable: {
    usage: 'disable <username>            no login, no refresh, every client ends (reason disabled); audited',
    async run(app, args) {
      expectArgs(args, 1);
      const user = await app.get(UsersService).findByUsername(args[0]);
      await app.get(AdminUsersService).change(CLI, user.id, { disabled: true });
      return `disabled ${user.username}`;
    },
  },
  enable: {
    usage: 'enable <username>             undo disable; audited',
    async run(app, args) {
      expectArgs(args, 1);
      const user = await app.get(UsersService).findByUsername(args[0]);
      await app.get(AdminUsersService).change(CLI, user.id, { disabled: false });
      return `enabled ${user.username}`;
    },
  },
  prune: {
    usage: 'prune                         delete clients that ended longer than AUTH_CLIENT_RETENTION ago',
    async run(app, args) {
      expectArgs(args, 0);
      return `deleted ${await app.get(ClientsService).prune()} ended client(s)`;
    },
  },
  'rotate-keys': {
    usage:
      'rotate-keys [--now]           publish a new signing key; it signs after AUTH_KEY_ACTIVATION_DELAY (--now: at once);\n' +
      '                                older keys verify until their tokens expire, nobody is logged out',
    async run(app, args) {
      const unknown = args.filter((arg) => arg !== '--now');
      if (unknown.length > 0) throw new UsageError(`unknown option: ${unknown.join(' ')}`);
      const key = await app.get(KeysService).rotate({ immediately: args.includes('--now') });
      return `new signing key ${key.kid} (${key.algorithm}) signs from ${key.activatesAt.toISOString()}; instances notice within a minute`;
    },
  },
};

const CLI: AdminActor = { kind: 'cli' };

async function changeRoles(app: INestApplicationContext, args: string[], next: (roles: string[], role: string) => string[]): Promise<string> {
  expectArgs(args, 2);
  const body = validated(UpdateUserDto, { roles: [args[1]] });
  const user = await app.get(UsersService).findByUsername(args[0]);
  const roles = validated(UpdateUserDto, { roles: next(parseRoles(user.roles), body.roles![0]) }).roles!;
  const changed = await app.get(AdminUsersService).change(CLI, user.id, { roles });
  return `${changed.username} has roles: ${parseRoles(changed.roles).join(' ') || '(none)'}`;
}

function usage(): string {
  return ['usage: npm run cli -- <command>', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`${name ? `unknown command: ${name}\n` : ''}${usage()}`);
    return 2;
  }
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadEnv()), { logger: ['error'] });
  try {
    console.log(await command.run(app, args));
    return 0;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (error instanceof UsageError || (typeof status === 'number' && status < 500)) {
      console.error(`${(error as Error).message}\nusage: npm run cli -- ${command.usage}`);
      return 2;
    }
    throw error;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
