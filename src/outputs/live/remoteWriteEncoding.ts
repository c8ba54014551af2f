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

interface TimeSeries {
  /** Including __name__; sent sorted by name, as the protocol requires. */
  labels: Record<string, string>;
  samples: Array<{ value: number; timestampMs: number }>;
}

const LENGTH_DELIMITED = 2;
const FIXED64 = 1;
const VARINT = 0;

/** Appends an unsigned varint of a non-negative integer up to 2^53 (ms timestamps need more than 32 bits). */
function varint(into: number[], n: number): void {
  let rest = n;
  while (rest >= 0x80) {
    into.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  into.push(rest);
}

function key(into: number[], field: number, wireType: number): void {
  varint(into, (field << 3) | wireType);
}

/** Appends a length-delimited field: a string's bytes or an embedded message. */
function lengthDelimited(into: number[], field: number, body: ArrayLike<number>): void {
  key(into, field, LENGTH_DELIMITED);
  varint(into, body.length);
  for (let i = 0; i < body.length; i++) into.push(body[i]!);
}

const utf8 = new TextEncoder();
const double = new DataView(new ArrayBuffer(8));

/** The WriteRequest's protobuf bytes (uncompressed), each message built in a plain array, then copied once. */
export function encodeWriteRequest(series: readonly TimeSeries[]): Uint8Array {
  const out: number[] = [];
  for (const one of series) {
    const body: number[] = [];
    for (const name of Object.keys(one.labels).sort()) {
      const label: number[] = [];
      lengthDelimited(label, 1, utf8.encode(name));
      lengthDelimited(label, 2, utf8.encode(one.labels[name]!));
      lengthDelimited(body, 1, label);
    }
    for (const { value, timestampMs } of one.samples) {
      const sample: number[] = [];
      key(sample, 1, FIXED64);
      double.setFloat64(0, value, true);
      for (let i = 0; i < 8; i++) sample.push(double.getUint8(i));
      key(sample, 2, VARINT);
      varint(sample, Math.round(timestampMs));
      lengthDelimited(body, 2, sample);
    }
    lengthDelimited(out, 1, body);
  }
  return Uint8Array.from(out);
}

/** The HTTP body of a remote write: the WriteRequest, snappy block-compressed. */
export function remoteWriteBody(series: readonly TimeSeries[]): Uint8Array {
  return compress(encodeWriteRequest(series));
}
