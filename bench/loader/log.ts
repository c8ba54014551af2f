/** The loader bench's progress lines go to stderr; the summary table goes to stdout. */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
