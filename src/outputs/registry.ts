/**
 * The outputs a user can name with `--out name=target` (repeatable). Adding one is a file that
 * implements `Output` and a line here; the run folder and the console line are always on, the
 * live page comes with `--listen`.
 */
import { CsvOutput } from './csvOutput.js';
import { InfluxdbOutput } from './influxdbOutput.js';
import { JsonOutput } from './jsonOutput.js';
import type { Output } from './output.js';
import { PrometheusRemoteWriteOutput } from './prometheusRemoteWriteOutput.js';

interface OutputKind {
  /** What the target is, for help and errors. */
  target: 'file' | 'url';
  create(target: string, log: (line: string) => void): Output;
}

export const OUTPUTS: Record<string, OutputKind> = {
  json: { target: 'file', create: (file) => new JsonOutput(file) },
  csv: { target: 'file', create: (file) => new CsvOutput(file) },
  influxdb: { target: 'url', create: (url, log) => new InfluxdbOutput(url, log) },
  'prometheus-rw': { target: 'url', create: (url, log) => new PrometheusRemoteWriteOutput(url, log) },
};

export interface OutputSpec {
  name: string;
  target: string;
}

/** `name=target`, checked against the registry; an error names the option and value. Credentials in a URL are never shown. */
export function parseOutputSpec(text: string): { spec: OutputSpec } | { error: string } {
  const shown = JSON.stringify(text.replace(/\/\/[^/@]*@/, '//***@'));
  const match = /^([a-z][a-z0-9-]*)=(.+)$/.exec(text);
  const kind = match ? OUTPUTS[match[1]!] : undefined;
  if (!match || !kind) return { error: `--out ${shown}: expected name=target with name one of ${Object.keys(OUTPUTS).join(', ')} (e.g. json=results.ndjson, influxdb=http://127.0.0.1:8086/innobench)` };
  const target = match[2]!;
  if (kind.target === 'url') {
    const url = URL.canParse(target) ? new URL(target) : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return { error: `--out ${shown}: ${match[1]} needs an http(s) URL` };
  }
  return { spec: { name: match[1]!, target } };
}

/** Opens the outputs asked for; a file that cannot be written refuses the run before it starts. */
export function createOutputs(specs: readonly OutputSpec[], log: (line: string) => void): Output[] {
  return specs.map(({ name, target }) => OUTPUTS[name]!.create(target, log));
}
