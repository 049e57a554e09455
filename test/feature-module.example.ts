/*
 * A feature module built on refresh-auth, as README's "Building a feature module" shows it: it
 * imports the auth barrel and nothing else of ours.
 */
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { AccessTokenGuard, type Caller, ClientsService, CurrentUser, Public } from '../src/auth';

@Controller('notes')
export class NotesController {
  constructor(private readonly clients: ClientsService) {}

  @Public()
  @Get('welcome')
  welcome(): { welcome: true } {
    return { welcome: true };
  }

  /** No guard of its own: only AuthModule's global guard (globalGuard: true) protects it. */
  @Get('board')
  board(): { board: true } {
    return { board: true };
  }

  /** Guarded whatever AuthModule's globalGuard says. */
  @UseGuards(AccessTokenGuard)
  @Get('mine')
  async mine(@CurrentUser() caller: Caller): Promise<{ userId: string; devices: number }> {
    return { userId: caller.userId, devices: (await this.clients.list(caller.userId)).length };
  }
}

@Module({ controllers: [NotesController] })
export class NotesModule {}
