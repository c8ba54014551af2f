/**
 * What the benches share: where the project is, their numeric options, where their results go.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/bench/common.js). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `--name value` from the command line, or the fallback. */
export function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

/** A TCP port free on 127.0.0.1 right now (for a private server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name}: ${text} is not a positive whole number`);
  return value;
}

/** Writes a bench's results as JSON to results/<name> and returns the file's path. */
export async function writeResultsJson(name: string, body: unknown): Promise<string> {
  const file = join(PROJECT_ROOT, 'results', name);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

/** A short helper command (a script's start/stop/remove), run to its end. */
export function sh(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const running = new Set<ChildProcess>();
const stopState = { stopped: false, installed: false };

/**
 * Ctrl-C or SIGTERM during a bench: the innobench children running stop their run and restore what
 * they changed (a SIGTERM to the bench is passed on to them; Ctrl-C reaches them itself), the bench
 * runs no further step and goes on to its `finally` (removing its private
 * servers, namespaces or cluster); a second signal exits at once.
 */
export function stopOnSignal(): { readonly stopped: boolean } {
  if (!stopState.installed) {
    stopState.installed = true;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopState.stopped) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      stopState.stopped = true;
      process.exitCode = 128 + (signal === 'SIGINT' ? 2 : 15);
      process.stderr.write(`${signal}: stopping the current step, then cleaning up (again to exit at once)\n`);
      // A SIGTERM is sent to the bench's pid alone: pass it on. A Ctrl-C reaches the whole process
      // group, children included; passing it on would be their second signal (a forced stop).
      if (signal === 'SIGTERM') for (const child of running) if (child.exitCode === null) child.kill(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  return stopState;
}

/**
 * A long child (an innobench run, matrix or prepare), awaited, its stdout kept, its stderr shown as
 * it comes (each line after `prefix`) and kept; a stop signal to the bench reaches it.
 */
export function runChild(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; prefix?: string; quiet?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (options.quiet) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) process.stderr.write(`${options.prefix ?? ''}${line}\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}
