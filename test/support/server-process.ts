import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, UNLIMITED_ADDRESS } from './app';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface ServerProcess {
  url: string;
  /** Everything the process wrote to standard output (its log lines). */
  output(): string;
  /** Resolves once the output passes the test (at once if it already does); rejects if the process exits first. */
  waitForOutput(test: (output: string) => boolean): Promise<void>;
  /** SIGTERM, then resolves when the process has exited. */
  stop(): Promise<void>;
  /** The exit code, once the process has exited (null when a signal ended it). */
  exited: Promise<number | null>;
  signal(name: NodeJS.Signals): void;
}

/**
 * The built server (npm run build) in a separate process on 127.0.0.1, as another instance would
 * run. Separate processes matter: passport keeps its strategies in one registry per process.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm test does)`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...UNLIMITED_ADDRESS, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    child.emit('output');
  });
  let closed = false; // 'close' comes after the last output, unlike 'exit'
  child.once('close', () => (closed = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    const healthy = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    url,
    output: () => stdout,
    waitForOutput: (test) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!test(stdout)) return;
          child.off('output', check).off('close', closing);
          resolve();
        };
        const closing = () => {
          child.off('output', check);
          if (test(stdout)) resolve();
          else reject(new Error(`server exited before the awaited output: ${stdout.slice(-500)}`));
        };
        if (closed) return closing();
        child.on('output', check).once('close', closing);
        check();
      }),
    exited,
    signal: (name) => child.kill(name),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
