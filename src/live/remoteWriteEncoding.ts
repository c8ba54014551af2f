/**
 * Prometheus remote write 1.0's body: a WriteRequest in protocol buffers, snappy-compressed (block
 * format). Only four messages are needed, so they are encoded here by hand instead of pulling in a
 * protobuf runtime and a .proto compiler step:
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   (timestamp in ms since the epoch)
 */
import { compress } from 'snappyjs';

export interface TimeSeries {
  /** Including __name__; sent sorted by name, as the protocol requires. */
  labels: Record<string, string>;
  samples: Array<{ value: number; timestampMs: number }>;
}

const LENGTH_DELIMITED = 2;
const FIXED64 = 1;
const VARINT = 0;

/** Unsigned varint of a non-negative integer up to 2^53 (ms timestamps need more than 32 bits). */
function varint(n: number): number[] {
  const bytes: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function key(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

function lengthDelimited(field: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...key(field, LENGTH_DELIMITED), ...varint(body.length)]), body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const utf8 = new TextEncoder();

function label(name: string, value: string): Uint8Array {
  return concat([lengthDelimited(1, utf8.encode(name)), lengthDelimited(2, utf8.encode(value))]);
}

function sample(value: number, timestampMs: number): Uint8Array {
  const double = new Uint8Array(8);
  new DataView(double.buffer).setFloat64(0, value, true);
  return Uint8Array.from([...key(1, FIXED64), ...double, ...key(2, VARINT), ...varint(Math.round(timestampMs))]);
}

/** The WriteRequest's protobuf bytes (uncompressed). */
export function encodeWriteRequest(series: readonly TimeSeries[]): Uint8Array {
  return concat(
    series.map((one) => {
      const names = Object.keys(one.labels).sort();
      const body = concat([
        ...names.map((name) => lengthDelimited(1, label(name, one.labels[name]!))),
        ...one.samples.map((s) => lengthDelimited(2, sample(s.value, s.timestampMs))),
      ]);
      return lengthDelimited(1, body);
    }),
  );
}

/** The HTTP body of a remote write: the WriteRequest, snappy block-compressed. */
export function remoteWriteBody(series: readonly TimeSeries[]): Uint8Array {
  return compress(encodeWriteRequest(series));
}
