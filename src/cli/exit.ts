/** How commands end: one clear line on stderr, no stack trace, and an exit code that says why. */

export const EXIT_OK = 0;
/** The work failed (server unreachable, run failed, a check did not pass). */
export const EXIT_FAILED = 1;
/** The command was given an invalid configuration; nothing was started. */
export const EXIT_INVALID = 2;
/** Stopped by SIGINT/SIGTERM, as a shell reports a program killed by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
  }
}

export function invalid(errors: string[]): CliError {
  return new CliError(errors.length === 1 ? errors[0]! : `invalid options:\n  ${errors.join('\n  ')}`, EXIT_INVALID);
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
