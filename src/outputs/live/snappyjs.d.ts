// snappyjs ships no types; these are the two functions of its index.js.
declare module 'snappyjs' {
  /** Snappy block format (not the framed stream format). */
  export function compress(uncompressed: Uint8Array): Uint8Array;
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}
