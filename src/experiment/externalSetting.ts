/**
 * A setting outside the server, such as the data disk's I/O scheduler, given as shell commands:
 * `apply` (with {value} replaced by the value), `verify` (prints the value in effect on its
 * stdout) and optionally `restore` (with {value} replaced by the original; `apply` when absent).
 * The original is what `verify` printed before anything changed; the undo is registered before the
 * first apply, so a forced exit restores it too. A command's failure refuses the run, with the
 * command's own words (a kernel that refuses a scheduler says so on stderr).
 */
import { spawn } from 'node:child_process';
import { registerUndo } from '../db/globalsGuard.js';
import type { AppliedSetting } from '../results/readRuns.js';
import type { SettingValue } from './settingSpec.js';

export interface ExternalCommands {
  name: string;
  apply: string;
  verify: string;
  restore: string | null;
}

const COMMAND_TIMEOUT_MS = 60_000;

/** Runs a shell command; resolves with its stdout, rejects with its stderr (or exit status). */
function shellOutput(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout.trim());
      else reject(new Error(`\`${command}\` failed (${code ?? signal}): ${stderr.trim() || stdout.trim() || 'no output'}`));
    });
  });
}

/** The command with {value} replaced by the value in single quotes (values are plain words: settingSpec.ts). */
export function withValue(command: string, value: string): string {
  return command.split('{value}').join(`'${value.replace(/'/g, "'\\''")}'`);
}

export class ExternalSetting {
  original = '';
  private undo: (() => Promise<void>) | null = null;
  readonly restored: Array<{ name: string; value: string; ok: boolean; detail: string }> = [];

  constructor(
    readonly commands: ExternalCommands,
    private readonly log: (line: string) => void,
  ) {}

  /** Reads the value in effect; a problem that forbids the matrix, or null. */
  async init(): Promise<string | null> {
    try {
      this.original = await shellOutput(this.commands.verify);
    } catch (error) {
      return `--external ${this.commands.name}: the verify command failed before anything changed: ${(error as Error).message}`;
    }
    return this.original === '' ? `--external ${this.commands.name}: the verify command printed nothing; it must print the value in effect` : null;
  }

  /** Applies the value unless already in effect, then verifies it. Throws when the value does not hold. */
  async apply(requested: SettingValue): Promise<AppliedSetting> {
    const wanted = String(requested.value);
    let method: AppliedSetting['method'] = 'unchanged';
    if ((await shellOutput(this.commands.verify)) !== wanted) {
      this.undo ??= registerUndo(() => this.putBack());
      await shellOutput(withValue(this.commands.apply, wanted));
      method = 'command';
    }
    const inEffect = await shellOutput(this.commands.verify);
    if (inEffect !== wanted) throw new Error(`${this.commands.name}: asked ${wanted}, the verify command says ${inEffect}`);
    return { name: this.commands.name, requested: requested.text, value: wanted, inEffect, method, match: 'equal (verify command)' };
  }

  private async putBack(): Promise<void> {
    const command = withValue(this.commands.restore ?? this.commands.apply, this.original);
    await shellOutput(command);
    const now = await shellOutput(this.commands.verify);
    const ok = now === this.original;
    this.restored.push({ name: this.commands.name, value: this.original, ok, detail: ok ? `restore command; verify says ${now}` : `restore command ran, but verify says ${now}` });
    this.log(ok ? `restored ${this.commands.name} = ${this.original}` : `could not restore ${this.commands.name}: ${now} is in effect, ${this.original} was`);
  }

  /** Restores the original when anything was applied; failures are reported, not thrown. */
  async restore(): Promise<void> {
    if (!this.undo) return;
    const undo = this.undo;
    this.undo = null;
    await undo().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.restored.push({ name: this.commands.name, value: this.original, ok: false, detail: message });
      this.log(`could not restore ${this.commands.name}: ${message}`);
    });
  }
}
