/*
 * The example of docs/extending.md: a feature module inside refresh-auth, "device history". It
 * remembers how each user's devices ended and shows the caller theirs. It imports one barrel,
 * src/auth; test/feature-module.e2e-spec.ts mounts it in the real app, so the guide cannot rot.
 */
import { Controller, Get, HttpCode, Injectable, Module, Post } from '@nestjs/common';
import { type Caller, CurrentUser, OnEvent, type SessionEvent, SessionNotifier } from '../src/auth';

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
}

@Controller('device-history/wave')
export class DeviceWaveController {
  constructor(private readonly notifier: SessionNotifier) {}

  // Every open stream of the caller's devices, on any instance, gets `event: app.wave`; nothing is stored.
  @Post()
  @HttpCode(202)
  wave(@CurrentUser() caller: Caller): void {
    this.notifier.toUser(caller.userId, 'app.wave', { from: caller.clientId });
  }
}

@Module({ controllers: [DeviceHistoryController, DeviceWaveController], providers: [DeviceHistory] })
export class DeviceHistoryModule {}
