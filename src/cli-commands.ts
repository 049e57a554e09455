import { INestApplicationContext } from '@nestjs/common';
import { validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { AdminUsersService } from './admin/admin-users.service';
import type { AdminActor } from './admin/audit.service';
import { SetPasswordDto } from './admin/dto/set-password.dto';
import { UpdateUserDto } from './admin/dto/update-user.dto';
import { ClientsService } from './clients/clients.service';
import type { Actor } from './events';
import { KeysService } from './keys/keys.service';
import { CreateUserDto } from './users/dto/create-user.dto';
import { parseRoles } from './users/roles';
import { UsersService } from './users/users.service';
import type { CommandName } from './cli';

/*
 * What each admin command does, with the app's services. Loaded by src/cli.ts only once a command is known:
 * the usage and an unknown command answer without loading the app.
 */

/** Bad input: the CLI prints it with the command's usage and exits 2. */
export class UsageError extends Error {}

/** Who the CLI's events name as their cause. */
const BY_CLI: Actor = { kind: 'cli' };

/** Standard input: the process's, or a test's (src/cli.ts, CliIo). */
type Input = AsyncIterable<string | Buffer> & { isTTY?: boolean };

interface Command {
  run(app: INestApplicationContext, args: string[], stdin: Input): Promise<string>;
}

function expectArgs(args: string[], count: number): void {
  if (args.length !== count) throw new UsageError(`expected ${count} argument(s), got ${args.length}`);
}

async function readStdin(stdin: Input): Promise<string> {
  if (stdin.isTTY) throw new UsageError('pipe the password on standard input, e.g. printf %s "$PASSWORD" | npm run cli -- create-user alice');
  let text = '';
  for await (const chunk of stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

function validated<T extends object>(type: new () => T, plain: object): T {
  const body = plainToInstance(type, plain);
  const errors = validateSync(body);
  if (errors.length > 0) throw new UsageError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
  return body;
}

export const COMMANDS: Record<CommandName, Command> = {
  'create-user': {
    async run(app, args, stdin) {
      expectArgs(args, 1);
      const body = plainToInstance(CreateUserDto, { username: args[0], password: await readStdin(stdin) });
      const errors = validateSync(body);
      if (errors.length > 0) throw new UsageError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
      const user = await app.get(UsersService).create(body.username, body.password, { by: BY_CLI });
      return `created user ${user.username} (${user.id})`;
    },
  },
  'list-clients': {
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
    async run(app, args) {
      expectArgs(args, 2);
      const user = await app.get(UsersService).findByUsername(args[0]);
      await app.get(ClientsService).end(user.id, args[1], 'revoked', BY_CLI);
      return `ended client ${args[1]} of ${user.username}`;
    },
  },
  'end-clients': {
    async run(app, args) {
      expectArgs(args, 1);
      const user = await app.get(UsersService).findByUsername(args[0]);
      const ended = await app.get(ClientsService).endAllExcept(user.id, '', 'revoked', BY_CLI);
      return `ended ${ended} client(s) of ${user.username}`;
    },
  },
  'grant-role': {
    run: (app, args) => changeRoles(app, args, (roles, role) => [...roles, role]),
  },
  'revoke-role': {
    run: (app, args) => changeRoles(app, args, (roles, role) => roles.filter((r) => r !== role)),
  },
  'set-password': {
    async run(app, args, stdin) {
      expectArgs(args, 1);
      const user = await app.get(UsersService).findByUsername(args[0]);
      const body = validated(SetPasswordDto, { newPassword: await readStdin(stdin) });
      await app.get(AdminUsersService).setPassword(CLI, user.id, body.newPassword);
      return `set the password of ${user.username}; every client ended`;
    },
  },
  disable: {
    async run(app, args) {
      expectArgs(args, 1);
      const user = await app.get(UsersService).findByUsername(args[0]);
      await app.get(AdminUsersService).change(CLI, user.id, { disabled: true });
      return `disabled ${user.username}`;
    },
  },
  enable: {
    async run(app, args) {
      expectArgs(args, 1);
      const user = await app.get(UsersService).findByUsername(args[0]);
      await app.get(AdminUsersService).change(CLI, user.id, { disabled: false });
      return `enabled ${user.username}`;
    },
  },
  prune: {
    async run(app, args) {
      expectArgs(args, 0);
      return `deleted ${await app.get(ClientsService).prune()} ended client(s)`;
    },
  },
  'rotate-keys': {
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
