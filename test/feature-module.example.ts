/*
 * The embedding example (docs/architecture.md, "Embedding the modules"; docs/extending.md names its
 * job): a feature module in a host app whose AuthModule may run without its global guard. It imports
 * the auth barrel and nothing else of ours; test/module-options.e2e-spec.ts runs it and checks that
 * docs/architecture.md quotes this file verbatim.
 */
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { AccessTokenGuard, AuthModule, type Caller, ClientsService, CurrentUser, Public } from '../src/auth';

@Controller('notes')
export class NotesController {
  constructor(private readonly clients: ClientsService) {}

  @UseGuards(AccessTokenGuard) // needless with globalGuard: true
  @Get('mine')
  async mine(@CurrentUser() caller: Caller) {
    return { userId: caller.userId, devices: (await this.clients.list(caller.userId)).length };
  }
}

/** What globalGuard changes: `board` has no guard of its own, `welcome` is open either way. */
@Controller('notes')
export class NotesBoardController {
  @Public()
  @Get('welcome')
  welcome(): { welcome: true } {
    return { welcome: true };
  }

  @Get('board')
  board(): { board: true } {
    return { board: true };
  }
}

// AuthModule: the guard and ClientsService come from it (its modules are not global).
@Module({ imports: [AuthModule], controllers: [NotesController, NotesBoardController] })
export class NotesModule {}
