/**
 * What the benches share: where the project is, their numeric options, where their results go.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/bench/common.js). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

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
