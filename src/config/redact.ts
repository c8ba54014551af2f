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
