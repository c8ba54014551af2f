/**
 * A user's value as it appears in an error message: quoted, cut to a readable length, and with
 * invisible or reordering characters (zero-width, bidirectional overrides) escaped, so the message
 * shows what was typed rather than being rearranged by it.
 */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

export function shown(value: unknown, max = 40): string {
  const text = String(value);
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
