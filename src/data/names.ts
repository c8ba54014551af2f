/**
 * Names and descriptions as the seed makes them: unique strings cut from uuids, about 20
 * characters for names and 50–60 for descriptions. The uuid's random bytes come from a seeded
 * generator so a given --seed always produces the same library. Generation runs once per row
 * while the loader loads (11 M rows at the seed's scale), on the cores the server needs too, so
 * the hex is built from a lookup table rather than through string formatting and regexes.
 */
import { v4 as uuidv4 } from 'uuid';

export const NAME_LENGTH = 20;
const DESCRIPTION_MIN = 50;
const DESCRIPTION_SPREAD = 11;

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const randomBytes = new Uint8Array(16);
const uuidBytes = new Uint8Array(16);

/** A v4 uuid (version and variant bits set by the uuid package) from seeded bytes, as 32 hex digits. */
function uuidHex(random: () => number): string {
  for (let i = 0; i < 16; i += 4) {
    const word = (random() * 4294967296) >>> 0;
    randomBytes[i] = word >>> 24;
    randomBytes[i + 1] = (word >>> 16) & 255;
    randomBytes[i + 2] = (word >>> 8) & 255;
    randomBytes[i + 3] = word & 255;
  }
  uuidv4({ random: randomBytes }, uuidBytes);
  let hex = '';
  for (let i = 0; i < 16; i++) hex += HEX[uuidBytes[i]!];
  return hex;
}

/** 20 hex characters of a v4 uuid: 80 bits, so collisions are negligible even at 10 M names. */
export function uuidName(random: () => number): string {
  return uuidHex(random).slice(0, NAME_LENGTH);
}

/** 50–60 random hex characters: descriptions need not be unique, only as long as the seed's. */
export function description(random: () => number): string {
  const length = DESCRIPTION_MIN + Math.floor(random() * DESCRIPTION_SPREAD);
  let text = '';
  while (text.length < length) {
    const word = (random() * 4294967296) >>> 0;
    text += HEX[word >>> 24]! + HEX[(word >>> 16) & 255]! + HEX[(word >>> 8) & 255]! + HEX[word & 255]!;
  }
  return text.slice(0, length);
}
