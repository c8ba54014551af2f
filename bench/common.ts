/**
 * What the benches share: where the project is, their numeric options, where their results go.
 */
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

/**
 * Ctrl-C (or SIGTERM) during a bench: the children, in the same process group, stop and restore
 * on their own; the bench goes on to its `finally` (removing its private server, namespaces or
 * cluster) instead of dying with them left behind, and runs no further step.
 */
export function stopOnSignal(): { readonly stopped: boolean } {
  const state = { stopped: false };
  const stop = (signal: NodeJS.Signals): void => {
    if (state.stopped) process.exit(130);
    state.stopped = true;
    process.stderr.write(`${signal}: finishing the current step, then cleaning up (again to exit at once)\n`);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return state;
}
