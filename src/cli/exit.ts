/**
 * How commands end: one clear line on stderr, no stack trace, and an exit code that says why.
 * The only definition of the exit codes: 0 is success, as everywhere.
 */

/** The work failed (server unreachable, run failed, a check or a gate threshold did not pass). */
export const EXIT_FAILED = 1;
/** The command was given an invalid configuration or a malformed file; nothing was judged or started. */
export const EXIT_INVALID = 2;
/** gate: nothing to judge (the current run did not complete or measured nothing; no baseline run). */
export const EXIT_NOTHING_TO_JUDGE = 3;
/**
 * A matrix whose run was stopped by a signal sent to the run alone: reported as after Ctrl-C
 * (128 + 2). A stop signal this process receives gives 128 + its number (signals.ts).
 */
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
