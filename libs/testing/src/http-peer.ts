import {
  Agent as HttpAgent,
  type ClientRequestArgs,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ReceivedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type PeerHandler = (
  request: ReceivedRequest,
  response: ServerResponse,
  /** 1 for the first request this peer received. */
  count: number,
) => void | Promise<void>;

/**
 * A real HTTP server on 127.0.0.1 standing in for a business API (or a token server, or a canary). It
 * records every request and counts every TCP connection, and its handler can be swapped per test.
 */
export class HttpPeer {
  readonly requests: ReceivedRequest[] = [];
  connections = 0;
  port = 0;
  private handler: PeerHandler;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(
    handler: PeerHandler = (_req, res) => {
      res.end();
    },
  ) {
    this.handler = handler;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(received);
        Promise.resolve(this.handler(received, res, this.requests.length)).catch((error: unknown) => {
          res.destroy(error instanceof Error ? error : new Error(String(error)));
        });
      });
    });
    this.server.on('connection', (socket: Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  handle(handler: PeerHandler): this {
    this.handler = handler;
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.connections = 0;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Sends `body` as JSON with `status`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export interface ConnectRecord {
  host: string;
  port: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);
type ConnectCallback = (error: Error | null, stream: Duplex) => void;

/**
 * Agents for tests of code that must never reach a real host: every connection attempt is recorded, and
 * one to a literal address that is not loopback is refused before any packet leaves (Node connects to a
 * literal IP without a lookup, so a broken guard would otherwise really dial it). Names still go through
 * the given `lookup`, which tests inject.
 */
export function recordingAgents(
  record: ConnectRecord[],
  lookup?: LookupFunction,
  /** Certificates the https agent trusts (a test's self-signed one). */
  ca?: string,
): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  // One wrapper for both agents: record the target, refuse a non-loopback literal, else connect as usual.
  const recording = <A extends HttpAgent>(agent: A): A => {
    const connect = agent.createConnection.bind(agent);
    agent.createConnection = (options: ClientRequestArgs, callback?: ConnectCallback) => {
      const host = (options.host ?? '').replace(/^\[|\]$/g, '');
      record.push({ host, port: Number(options.port) });
      if (isIP(host) !== 0 && !LOOPBACK.has(host)) {
        callback?.(new Error(`test agent refused ${host}: not loopback`), undefined as never);
        return undefined;
      }
      return connect(options, callback);
    };
    return agent;
  };
  const base = { keepAlive: true, ...(lookup ? { lookup } : {}) };
  return {
    httpAgent: recording(new HttpAgent(base)),
    httpsAgent: recording(new HttpsAgent({ ...base, ca })),
  };
}

/** A self-signed certificate for 127.0.0.1, made with the openssl command for one test run. */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fb-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
