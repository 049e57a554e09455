/*
 * The example of docs/extending.md: a feature module inside refresh-auth, "device history". It
 * remembers how each user's devices ended, shows the caller theirs and support staff anyone's, and
 * puts a count in every access token. It imports one barrel, src/auth; test/feature-module.e2e-spec.ts
 * mounts it in the real app and checks the guide quotes this file verbatim, so the guide cannot rot.
 */
import { Controller, Get, HttpCode, Injectable, Module, type OnModuleInit, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  AccessTokenClaimsRegistry,
  AuthModule,
  type Caller,
  CurrentUser,
  OnEvent,
  Roles,
  type SessionEvent,
  SessionNotifierService,
} from '../src/auth';

export interface DeviceEnding {
  clientId: string;
  reason: string;
  endedAt: string;
}

const KEPT_PER_USER = 20;

@Injectable()
export class DeviceHistory {
  private readonly endings = new Map<string, DeviceEnding[]>();

  // Runs after the ending is stored; a throw here is logged and fails nobody's request.
  @OnEvent('session.ended')
  remember(event: SessionEvent<'session.ended'>): void {
    const kept = this.endings.get(event.userId) ?? [];
    kept.unshift({ clientId: event.clientId!, reason: event.data.reason, endedAt: event.occurredAt });
    this.endings.set(event.userId, kept.slice(0, KEPT_PER_USER));
  }

  of(userId: string): DeviceEnding[] {
    return this.endings.get(userId) ?? [];
  }
}

@Controller('device-history')
export class DeviceHistoryController {
  constructor(private readonly history: DeviceHistory) {}

  // No @Public(): the global guard lets only a valid access token of a live client through.
  @Get()
  mine(@CurrentUser() caller: Caller) {
    return { userId: caller.userId, askedFrom: caller.clientId, endings: this.history.of(caller.userId) };
  }

  // Support staff see anyone's; the guard answers others 403 insufficient_role. A bad id is a 400.
  @Get(':userId')
  @Roles('support')
  ofUser(@Param('userId', ParseUUIDPipe) userId: string) {
    return { userId, endings: this.history.of(userId) };
  }
}

@Injectable()
export class DeviceHistoryClaims implements OnModuleInit {
  constructor(
    private readonly claims: AccessTokenClaimsRegistry,
    private readonly history: DeviceHistory,
  ) {}

  // Runs at every login and refresh: synchronous, cheap and small (a token over 4096 bytes is not issued).
  onModuleInit(): void {
    this.claims.register(({ userId }) => ({ ended_devices: this.history.of(userId).length }));
  }
}

@Controller('device-history/wave')
export class DeviceWaveController {
  constructor(private readonly notifier: SessionNotifierService) {}

  // Every open stream of the caller's devices, on any instance, gets `event: app.wave`; nothing is stored.
  @Post()
  @HttpCode(202)
  wave(@CurrentUser() caller: Caller): void {
    this.notifier.toUser(caller.userId, 'app.wave', { from: caller.clientId });
  }
}

@Module({
  // One import: AuthModule brings the claims registry and the session events (SessionNotifierService) with it.
  imports: [AuthModule],
  controllers: [DeviceHistoryController, DeviceWaveController],
  providers: [DeviceHistory, DeviceHistoryClaims],
})
export class DeviceHistoryModule {}
