/**
 * Secrets must never reach output, result files, error messages or child processes' argv.
 * Everything that records a configuration passes it through here first.
 */

const SECRET_KEYS = /pass(word)?|pwd|secret|token/i;

/** A copy of `config` with every secret-looking key removed (not masked: its length is a hint too). */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!SECRET_KEYS.test(key)) copy[key] = redactValue(value);
  }
  return copy;
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) return redactConfig(value as Record<string, unknown>);
  return value;
}

/** Replaces every occurrence of the secret in a message (drivers sometimes echo what they were given). */
export function scrubSecret(message: string, secret: string | undefined): string {
  if (!secret) return message;
  return message.split(secret).join('***');
}

/** An error's message as it may be printed and saved: without the secret. */
export function secretFreeMessage(error: unknown, secret: string | undefined): string {
  return scrubSecret(error instanceof Error ? error.message : String(error), secret);
}

/** `--password=x`, `--db-token x`, `PASSWORD=x` (an environment assignment): names that announce a secret. */
const SECRET_OPTION = /^(--?[\w-]*(?:pass(?:word)?|pwd|secret|token)[\w-]*)(=.*)?$/i;
const SECRET_ASSIGNMENT = /^([A-Za-z_]\w*)=(.*)$/;
/** A URL's user:password@. */
const URL_CREDENTIALS = /(\b[a-z][\w+.-]*:\/\/[^\s:/@]+:)[^\s@]+@/gi;

/**
 * A shell command as it may be printed and saved (a matrix's --restart-cmd): the given secrets,
 * the values of password-like options (`--password=x`, `--password x`, the mysql tools' `-px`,
 * `sshpass -p x`), password-like environment assignments (`MYSQL_PWD=x cmd`) and a URL's
 * credentials become ***. Words are split on whitespace: a quoted value with spaces is masked up
 * to its first space only, which is why the known secrets are scrubbed as well.
 */
export function maskCommand(command: string, secrets: ReadonlyArray<string | undefined> = []): string {
  const parts = command.split(/(\s+)/);
  let maskNext = false;
  let previousWord = '';
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i]!;
    if (word === '') continue;
    const option = SECRET_OPTION.exec(word);
    const assignment = SECRET_ASSIGNMENT.exec(word);
    if (maskNext) parts[i] = '***';
    else if (option) parts[i] = option[2] === undefined ? word : `${option[1]}=***`;
    else if (assignment && SECRET_KEYS.test(assignment[1]!)) parts[i] = `${assignment[1]}=***`;
    else if (/^-p./.test(word)) parts[i] = '-p***';
    maskNext = (option !== null && option[2] === undefined) || (word === '-p' && /(^|\/)sshpass$/.test(previousWord));
    previousWord = word;
  }
  let masked = parts.join('').replace(URL_CREDENTIALS, '$1***@');
  for (const secret of secrets) masked = scrubSecret(masked, secret);
  return masked;
}
