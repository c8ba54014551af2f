/**
 * The HTTP side of --listen: `/` the live page, `/events` its server-sent events, `/metrics` for a
 * Prometheus scrape, `/run.json` the run file as it stands, `/report` the HTML report once written.
 * Every answer is built from what the main thread already holds; nothing here touches the workers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Parsed } from '../../config/units.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Where the live server finds what it serves. */
interface LiveSource {
  /** The Prometheus text exposition, and its content type. */
  metrics: () => Promise<string>;
  contentType: string;
  page: () => string;
  /** The run folder's run.json, null before the run has one. */
  runFile: () => string | null;
  /** The HTML report's file, null until written. */
  reportFile: () => string | null;
  /** Called at each read of /metrics. */
  onScrape: () => void;
}

/** Interval records kept for a page opened late: enough for hours at the default 5 s. */
const MAX_REPLAYED = 5000;

export class LiveServer {
  private readonly server: Server;
  private readonly clients = new Set<ServerResponse>();
  /** Every event sent so far (settings, intervals, end), replayed to a page that connects later. */
  private readonly sent: string[] = [];

  private constructor(private readonly source: LiveSource) {
    this.server = createServer((request, response) => void this.route(request, response));
  }

  static async start(address: ListenAddress, source: LiveSource): Promise<LiveServer> {
    const live = new LiveServer(source);
    await new Promise<void>((resolve, reject) => {
      live.server.once('error', reject);
      live.server.listen(address.port, address.host, () => resolve());
    });
    return live;
  }

  get url(): string {
    const { address, port, family } = this.server.address() as AddressInfo;
    return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}/`;
  }

  /** Sends one event to every page and keeps it for the pages that connect later. */
  send(event: 'settings' | 'interval' | 'end', data: unknown): void {
    const message = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.sent.push(message);
    // The settings event stays first: a late page needs it to name the run.
    if (this.sent.length > MAX_REPLAYED) this.sent.splice(1, 1);
    for (const client of this.clients) client.write(message);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.end();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'text/plain', 'GET only\n');
      switch (path) {
        case '/':
          return reply(response, 200, 'text/html; charset=utf-8', this.source.page());
        case '/events':
          return this.subscribe(response);
        case '/metrics': {
          const text = await this.source.metrics();
          this.source.onScrape();
          return reply(response, 200, this.source.contentType, text);
        }
        case '/run.json': {
          const run = this.source.runFile();
          return run === null ? reply(response, 404, 'text/plain', 'the run has not started\n') : reply(response, 200, 'application/json', run);
        }
        case '/report': {
          const file = this.source.reportFile();
          return file === null ? reply(response, 404, 'text/plain', 'the report is written when the run ends\n') : reply(response, 200, 'text/html; charset=utf-8', await readFile(file, 'utf8'));
        }
        default:
          return reply(response, 404, 'text/plain', 'not found\n');
      }
    } catch (error) {
      reply(response, 500, 'text/plain', `${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  private subscribe(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    for (const message of this.sent) response.write(message);
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
  }
}

function reply(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

/** `--listen [host:]port`: host defaults to 127.0.0.1 (the page is for this machine unless told). */
export function parseListen(text: string): Parsed<ListenAddress> {
  const match = /^(?:(\[[0-9a-f:.]+\]|[\w.-]+):)?(\d{1,5})$/i.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535) return { ok: false, error: `--listen ${JSON.stringify(text)}: expected [host:]port, e.g. 9464 or 0.0.0.0:9464 (0: any free port)` };
  return { ok: true, value: { host: (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port } };
}
