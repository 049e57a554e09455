import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The one place the services read the time from. Time-based rules (lifetimes, grace, pruning, key
 * rotation, limit windows) are tested by moving this clock (test/support/clock.ts), not by sleeping.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}

// Global: nearly every module reads the time, and one clock for all is what lets a test move it.
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
