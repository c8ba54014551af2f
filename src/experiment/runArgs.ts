/** The run options a matrix passes to every run, as command-line words: taking options out and in. */

/** Takes `--name value` / `--name=value` out of `tokens`; returns the last value given. */
export function extractOption(tokens: string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i]!;
    if (token === `--${name}`) {
      value = tokens[i + 1];
      tokens.splice(i, i + 1 < tokens.length ? 2 : 1);
    } else if (token.startsWith(`--${name}=`)) {
      value = token.slice(name.length + 3);
      tokens.splice(i, 1);
    } else i++;
  }
  return value;
}

export function hasOption(tokens: readonly string[], name: string): boolean {
  return tokens.some((token) => token === `--${name}` || token.startsWith(`--${name}=`) || token === `--no-${name}`);
}

/** `tokens` with one `--name value` in place of every spelling of it. */
export function withOption(tokens: readonly string[], name: string, value: string): string[] {
  const rest = [...tokens];
  extractOption(rest, name);
  return [...rest, `--${name}`, value];
}
