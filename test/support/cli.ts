import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import passport from 'passport';
import { runCommand } from '../../src/cli';

const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * One run of the built admin CLI (npm run cli -- <args>) against the database at `databaseUrl`, `input`
 * on its standard input. Asynchronous, so runs that do not depend on each other can boot side by side.
 */
export function runCli(databaseUrl: string, args: string[], input?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Only for a hung process: on a loaded 2-core machine five CLI processes booting side by side each took
      // over 30 s (a kill then, code null, hid the real answer); the tests' own timeouts are longer.
      timeout: 90_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() }));
    // A command that reads no input may exit before taking it; its code and output still tell the result.
    child.stdin.once('error', () => undefined);
    child.stdin.end(input);
  });
}

const strategies = () => (passport as unknown as { _strategies: Record<string, unknown> })._strategies;
let runsInProcess = 0;
let appStrategies: Record<string, unknown> = {};

/**
 * The same command run in this process: the CLI's own runner (src/cli.ts, runCommand) with the same
 * environment, its own app context on the database (another instance, as the process is), `input` as
 * its standard input (`env`: more variables) and what it prints collected. No Node process to boot (a
 * second or more each on this machine): the tests of what the commands do use it, and runCli proves the
 * built binary itself. A test logs in to its app before or after a run, not during one (passport, below).
 */
export async function runCliInProcess(databaseUrl: string, args: string[], input?: string, env: Record<string, string> = {}): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  // Passport's strategies are one registry per process: the CLI's AuthModule would take over the test
  // app's `local` strategy (its logins then checked by the CLI's closed context). They are given back
  // once the last of the runs side by side is done.
  if (runsInProcess++ === 0) appStrategies = { ...strategies() };
  try {
    const code = await runCommand(args, {
      env: { ...process.env, DATABASE_URL: databaseUrl, ...env },
      stdin: Readable.from(input === undefined ? [] : [input]),
      out: (text) => stdout.push(text),
      err: (text) => stderr.push(text),
    });
    return { code, stdout: stdout.join('\n').trim(), stderr: stderr.join('\n').trim() };
  } finally {
    if (--runsInProcess === 0) Object.assign(strategies(), appStrategies);
  }
}
