import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);

/** `describe` where Chromium is installed; elsewhere `describe.skip`, with one line saying why. */
export function browserSuite(what: string): jest.Describe {
  if (!available) process.stderr.write(`${what} skipped: ${CHROMIUM} not found (apt-get install chromium)\n`);
  return available ? describe : describe.skip;
}

/**
 * Headless Chromium with a fresh profile, quiet on a closed network (no background calls, no
 * component updates, no sync); `extraArgs` for a test's own switches.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
