/**
 * A server restart for variables SET GLOBAL cannot change: the user's command through the shell,
 * then connecting until the server answers. The command is only ever shown masked (it may carry
 * a password: `mysqladmin -pX shutdown && …`); the caller passes both forms.
 */
import { spawn } from 'node:child_process';
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';

export interface RestartOptions {
  command: string;
  /** The command as it may be printed and saved (see maskCommand). */
  shownCommand: string;
  dropIn: string;
  timeoutMs: number;
}

/** Runs the user's restart command through the shell; its output goes to stderr. */
export function runRestartCommand(restart: RestartOptions, log: (line: string) => void): Promise<void> {
  const shown = restart.shownCommand;
  log(`restarting the server: ${shown}`);
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', restart.command], { stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the restart command did not finish within ${restart.timeoutMs / 1000}s: ${shown}`));
    }, restart.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`the restart command could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`the restart command exited with ${code ?? signal}: ${shown}`));
    });
  });
}

/** Connects until the server answers SELECT 1, or fails after `timeoutMs`. */
export async function waitForServer(connection: ConnectionOptions, timeoutMs: number, log: (line: string) => void): Promise<PromiseConnection> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (let attempt = 1; ; attempt++) {
    try {
      const control = await connectControl(connection, false);
      try {
        await control.query('SELECT 1');
        if (attempt > 1) log(`the server answers again (after ${attempt} attempts)`);
        return control;
      } catch (error) {
        await control.end().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) throw new Error(`the server did not answer within ${timeoutMs / 1000}s of the restart: ${lastError}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
