import { Injectable, Module } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { AppModule } from '../src/app.module';
import { AuthModule, UsersService } from '../src/auth';
import { loadEnv } from '../src/config/env';
import { ClientsService } from '../src/clients/clients.service';
import { UsersModule } from '../src/users/users.module';

/*
 * Modules say what they need (issue 25, item 3): a module sees another's services only when it
 * imports that module, and the only global modules are the few everyone uses.
 */
@Injectable()
class NeedsUsers {
  constructor(readonly users: UsersService) {}
}

@Injectable()
class NeedsClients {
  constructor(readonly clients: ClientsService) {}
}

@Module({ providers: [NeedsUsers] })
class ImportsNothing {}

@Module({ imports: [AuthModule], providers: [NeedsUsers, NeedsClients] })
class ImportsAuth {}

@Module({ imports: [UsersModule], providers: [NeedsClients] })
class ImportsUsersOnly {}

const env = () => loadEnv({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' });

async function compile(feature: new () => unknown): Promise<TestingModule> {
  return Test.createTestingModule({ imports: [AppModule.forRoot(env()), feature] }).compile();
}

describe('modules import what they use', () => {
  it('a module that imports nothing cannot inject UsersService', async () => {
    await expect(compile(ImportsNothing)).rejects.toThrow(/can't resolve dependencies of the NeedsUsers/);
  });

  it('importing UsersModule does not bring ClientsService with it', async () => {
    await expect(compile(ImportsUsersOnly)).rejects.toThrow(/can't resolve dependencies of the NeedsClients/);
  });

  describe('the app with a module that imports AuthModule', () => {
    let moduleRef: TestingModule;
    beforeAll(async () => {
      moduleRef = await compile(ImportsAuth);
      await moduleRef.init();
    });
    afterAll(() => moduleRef?.close());

    it('shares the one UsersService and ClientsService the shell configured', () => {
      expect(moduleRef.get(NeedsUsers).users).toBe(moduleRef.get(UsersService));
      expect(moduleRef.get(NeedsClients).clients).toBe(moduleRef.get(ClientsService));
    });

    it('has no global module of ours but the clock and the options holders', () => {
      const globals = [...moduleRef.get(ModulesContainer).values()].filter((module) => module.isGlobal).map((module) => module.metatype.name);
      const ours = globals.filter((name) => !LIBRARY_GLOBALS.includes(name));
      expect(ours.filter((name) => !name.endsWith('OptionsModule')).sort()).toEqual(['ClockModule']);
    });
  });
});

/** Global by their libraries' design: Nest's core, TypeORM's connection, the scheduler, the logger, the event emitter. */
const LIBRARY_GLOBALS = ['InternalCoreModule', 'TypeOrmCoreModule', 'ScheduleModule', 'LoggerModule', 'EventEmitterModule', 'TerminusModule'];
