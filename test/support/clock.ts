import type { INestApplicationContext } from '@nestjs/common';
import { Clock } from '../../src/common/clock';

export interface ManualClock {
  now(): number;
  /** Moves the clock forward (or back, with a negative value) by this many milliseconds. */
  advance(ms: number): void;
}

/** Takes over a clock: from now on it reads the real time plus whatever the test advanced. */
export function controlClock(clock: Clock): ManualClock {
  let offset = 0;
  const real = Date.now.bind(Date);
  jest.spyOn(clock, 'now').mockImplementation(() => real() + offset);
  return { now: () => clock.now(), advance: (ms) => void (offset += ms) };
}

/** The clock of an in-process app, taken over. */
export function controlAppClock(app: INestApplicationContext): ManualClock {
  return controlClock(app.get(Clock));
}
