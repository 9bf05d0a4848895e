// Syslog transport for CEF alerts: RFC 5424 messages; over TCP with octet-counting framing
// (RFC 6587 §3.4.1: "<length> <message>"), over UDP one message per datagram (RFC 5426).
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { hostname as osHostname } from 'node:os';
import type { AlertRecord, Severity } from '../../contract/records.js';
import { WardwatchError } from '../../errors.js';

export interface SyslogMessage {
  msg: string;
  severity?: Severity;
  /** ISO time; default now. */
  time?: string;
  msgid?: string;
}

export interface SyslogOptions {
  /** Facility number; default 16 (local0). */
  facility?: number;
  hostname?: string;
  appName?: string;
  timeoutMs?: number;
}

/** RFC 5424 §6.2.1 severities. */
const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };

/** PRINTUSASCII without spaces, bounded (RFC 5424 §6.2.4/5/7); '-' when empty. */
function headerField(s: string, max: number): string {
  const clean = s.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

export function formatSyslog(m: SyslogMessage, opts: SyslogOptions = {}): string {
  const pri = (opts.facility ?? 16) * 8 + SYSLOG_SEVERITY[m.severity ?? 'medium'];
  const time = m.time ?? new Date().toISOString();
  const host = headerField(opts.hostname ?? osHostname(), 255);
  const app = headerField(opts.appName ?? 'wardwatch', 48);
  const procid = headerField(String(process.pid), 128);
  const msgid = headerField(m.msgid ?? 'alert', 32);
  // No structured data ('-'); MSG is UTF-8 with a BOM per §6.4 would be optional — plain is accepted.
  return `<${pri}>1 ${time} ${host} ${app} ${procid} ${msgid} - ${m.msg}`;
}

export function parseSyslogUrl(url: string): { proto: 'udp' | 'tcp'; host: string; port: number } {
  const m = /^(udp|tcp):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(url);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535)
    throw new WardwatchError('WW_ARGS', `bad syslog address '${url}': expected udp://HOST:PORT or tcp://HOST:PORT`);
  return { proto: m[1] as 'udp' | 'tcp', host: (m[2] ?? '').replace(/^\[|\]$/g, ''), port };
}

/** Send messages (plain strings are sent at 'medium'); resolves when all are handed to the network. */
export async function sendSyslog(
  url: string,
  messages: readonly (string | SyslogMessage)[],
  opts: SyslogOptions = {},
): Promise<void> {
  const dest = parseSyslogUrl(url);
  const lines = messages.map((m) => formatSyslog(typeof m === 'string' ? { msg: m } : m, opts));
  const fail = (err: Error) =>
    new WardwatchError('WW_OUTPUT', `cannot send syslog to ${url}: ${err.message}`, { cause: err });
  if (lines.length === 0) return;
  if (dest.proto === 'udp') {
    const sock = createSocket(dest.host.includes(':') ? 'udp6' : 'udp4');
    try {
      for (const l of lines) {
        await new Promise<void>((res, rej) => {
          sock.send(Buffer.from(l, 'utf8'), dest.port, dest.host, (err) => (err ? rej(fail(err)) : res()));
        });
      }
    } finally {
      sock.close();
    }
    return;
  }
  const payload = lines.map((l) => `${Buffer.byteLength(l, 'utf8')} ${l}`).join('');
  await new Promise<void>((res, rej) => {
    const sock = connect({ host: dest.host, port: dest.port });
    sock.setTimeout(opts.timeoutMs ?? 10_000, () => sock.destroy(new Error('timed out')));
    sock.once('error', (err) => rej(fail(err)));
    sock.once('connect', () => sock.end(payload, 'utf8'));
    sock.once('close', (hadError) => {
      if (!hadError) res();
    });
  });
}

/** Alerts as syslog messages carrying CEF, with the alert's severity and last time. */
export function alertSyslogMessages(alerts: readonly AlertRecord[], cef: (a: AlertRecord) => string): SyslogMessage[] {
  return alerts.map((a) => ({ msg: cef(a), severity: a.severity, time: a.last, msgid: a.rule }));
}

/**
 * A syslog destination kept open for a run that sends as it goes (`watch`, `analyze -`): messages
 * leave in order as `send` is called; `close` waits for every one and reports the first failure
 * (WW_OUTPUT). Over TCP one connection, octet-counted; over UDP one socket, a datagram each.
 */
export class SyslogStream {
  private chain: Promise<void> = Promise.resolve();
  private failure: WardwatchError | undefined;
  private udp: ReturnType<typeof createSocket> | undefined;
  private tcp: ReturnType<typeof connect> | undefined;
  private tcpReady: Promise<void> | undefined;
  private readonly dest: { proto: 'udp' | 'tcp'; host: string; port: number };
  sent = 0;

  constructor(
    private readonly url: string,
    private readonly opts: SyslogOptions = {},
  ) {
    this.dest = parseSyslogUrl(url);
  }

  send(m: SyslogMessage): void {
    const line = formatSyslog(m, this.opts);
    this.chain = this.chain.then(() => (this.failure === undefined ? this.write(line) : undefined));
  }

  /** Resolves when every message was handed to the network; rejects with the first failure. */
  async close(): Promise<void> {
    await this.chain;
    if (this.udp) this.udp.close();
    if (this.tcp) {
      const sock = this.tcp;
      await new Promise<void>((res) => {
        if (sock.destroyed) return res();
        sock.once('close', () => res());
        sock.end();
      });
    }
    if (this.failure) throw this.failure;
  }

  private fail(err: Error): void {
    this.failure ??= new WardwatchError('WW_OUTPUT', `cannot send syslog to ${this.url}: ${err.message}`, {
      cause: err,
    });
  }

  private async write(line: string): Promise<void> {
    const { dest } = this;
    if (dest.proto === 'udp') {
      this.udp ??= createSocket(dest.host.includes(':') ? 'udp6' : 'udp4');
      const sock = this.udp;
      await new Promise<void>((res) =>
        sock.send(Buffer.from(line, 'utf8'), dest.port, dest.host, (err) => {
          if (err) this.fail(err);
          else this.sent++;
          res();
        }),
      );
      return;
    }
    if (this.tcp === undefined) {
      const sock = connect({ host: dest.host, port: dest.port });
      this.tcp = sock;
      sock.setTimeout(this.opts.timeoutMs ?? 10_000, () => sock.destroy(new Error('timed out')));
      sock.on('error', (err) => this.fail(err));
      this.tcpReady = new Promise<void>((res) => {
        sock.once('connect', () => {
          sock.setTimeout(0);
          res();
        });
        sock.once('close', () => res());
      });
    }
    await this.tcpReady;
    const sock = this.tcp;
    if (sock.destroyed || this.failure) return;
    await new Promise<void>((res) =>
      sock.write(`${Buffer.byteLength(line, 'utf8')} ${line}`, 'utf8', (err) => {
        if (err) this.fail(err);
        else this.sent++;
        res();
      }),
    );
  }
}
