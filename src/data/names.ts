/**
 * Names and descriptions as the seed makes them: unique strings cut from uuids, about 20
 * characters for names and 50–60 for descriptions. The uuid's random bytes come from a seeded
 * generator so a given --seed always produces the same library.
 */
import { v4 as uuidv4 } from 'uuid';

export const NAME_LENGTH = 20;
const DESCRIPTION_MIN = 50;
const DESCRIPTION_SPREAD = 11;

function uuidHex(random: () => number): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256);
  return uuidv4({ random: bytes }).replace(/-/g, '');
}

/** 20 hex characters of a v4 uuid: 80 bits, so collisions are negligible even at 10 M names. */
export function uuidName(random: () => number): string {
  return uuidHex(random).slice(0, NAME_LENGTH);
}

/** 50–60 characters built from uuids, as the seed's descriptions are. */
export function description(random: () => number): string {
  const length = DESCRIPTION_MIN + Math.floor(random() * DESCRIPTION_SPREAD);
  let text = '';
  while (text.length < length) text += uuidHex(random);
  return text.slice(0, length);
}
