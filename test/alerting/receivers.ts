import { writeFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

// Local stand-ins for the robots' and mail servers' receiving ends, checking what a real one checks.

export interface Received {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: any;
  /** For DingTalk: the signature checked against the secret. */
  signatureOk?: boolean;
}

export interface HttpReceiver {
  url: (path: string) => string;
  received: Received[];
  /** Status codes to answer, in order, before answering normally. */
  failNext: number[];
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export const DINGTALK_SECRET = 'SECtest-secret-0123456789';

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const received: Received[] = [];
  const failNext: number[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const entry: Received = { path: u.pathname, query: u.searchParams, headers: req.headers, body: JSON.parse(raw || 'null') };
      if (u.pathname.startsWith('/dingtalk')) {
        const ts = Number(u.searchParams.get('timestamp'));
        const expect = createHmac('sha256', DINGTALK_SECRET).update(`${ts}\n${DINGTALK_SECRET}`).digest('base64');
        entry.signatureOk = u.searchParams.get('sign') === expect && Math.abs(Date.now() - ts) < 3600_000;
      }
      received.push(entry);
      const fail = failNext.shift();
      if (fail) return void res.writeHead(fail).end('nope');
      res.writeHead(200, { 'content-type': 'application/json' });
      if (entry.signatureOk === false) return void res.end(JSON.stringify({ errcode: 310000, errmsg: 'sign not match' }));
      res.end(u.pathname.startsWith('/hook') ? '{}' : JSON.stringify({ errcode: 0, errmsg: 'ok' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    failNext,
    async waitFor(n, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      while (received.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      return received;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface Mail {
  from: string;
  to: string[];
  raw: string;
}

export async function startSmtpReceiver(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (raw += c));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A notifications file in `dir` that sends SN's and SB's alerts to the receiver's /hook/SN and /hook/SB; its path. */
export function writeDistrictWebhooks(dir: string, receiver: Pick<HttpReceiver, 'url'>): string {
  const file = join(dir, 'notifications.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      districts: { SN: [{ type: 'webhook', url: receiver.url('/hook/SN') }], SB: [{ type: 'webhook', url: receiver.url('/hook/SB') }] },
    }),
  );
  return file;
}
