// The sensor's HTTP(S) client to a console: POST /api/sensors/enrol and POST /api/ingest with
// `Authorization: Bearer <token>` (src/contract/ingest.ts). Every answer is sorted into what the
// shipper does next: `ack` (delete from the spool), `retry` (connection refused or reset, timeout,
// a cut answer, 5xx, 429 with its Retry-After), `reject` (400/413: this batch can never be stored;
// drop it, counted) or `fatal` (401/403: the token is wrong, revoked or for another sensor — a
// person must act). http:// is allowed only to a loopback console; https may name a private CA.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { EnrolResponse, IngestAck } from '../../contract/ingest.js';
import { WardwatchError } from '../../errors.js';

export interface SensorClientOptions {
  /** The console's base URL, e.g. https://console:8080 */
  readonly url: string;
  readonly token: string;
  /** PEM text of a private CA (`--ca FILE`). */
  readonly ca?: string;
  /** Per request: connect + answer (default 10 s). */
  readonly timeoutMs?: number;
}

export type SendResult =
  | { readonly kind: 'ack'; readonly ack: IngestAck }
  | { readonly kind: 'retry'; readonly reason: string; readonly afterMs?: number }
  | { readonly kind: 'reject'; readonly status: number; readonly reason: string }
  | { readonly kind: 'fatal'; readonly status: number; readonly reason: string };

/** Parse and check a console URL: https anywhere, http only to loopback. */
export function parseConsoleUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new WardwatchError('WW_ARGS', `--to must be a URL like https://console:8080, got '${url}'`, {
      field: '--to',
    });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new WardwatchError('WW_ARGS', `--to must be https:// (or http:// to loopback), got ${u.protocol}`, {
      field: '--to',
    });
  if (u.protocol === 'http:' && !isLoopback(u.hostname))
    throw new WardwatchError(
      'WW_ARGS',
      `--to ${url}: http:// is allowed only to a console on loopback; use https:// (with --ca FILE for a private CA)`,
      { field: '--to' },
    );
  return u;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Seconds (or an HTTP date) of a Retry-After header, as ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Outcome = { readonly ok: true; readonly answer: Answer } | { readonly ok: false; readonly reason: string };

export class SensorClient {
  private readonly base: URL;
  private readonly timeoutMs: number;
  /**
   * One kept-alive connection (one batch at a time): no TCP — and, over https, no TLS — handshake
   * per batch. Idle sockets keep no process alive.
   */
  private readonly agent: HttpAgent;

  constructor(private readonly opts: SensorClientOptions) {
    this.base = parseConsoleUrl(opts.url);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    const keep = { keepAlive: true, maxSockets: 1 };
    this.agent =
      this.base.protocol === 'https:'
        ? new HttpsAgent({ ...keep, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) })
        : new HttpAgent(keep);
  }

  /** Close the kept-alive connection. */
  close(): void {
    this.agent.destroy();
  }

  /** Enrol: the installation salt and the console's batch limit; `retry`/`fatal` as for a batch. */
  async enrol(sensor: string): Promise<{ kind: 'ok'; enrol: EnrolResponse } | Exclude<SendResult, { kind: 'ack' }>> {
    const r = await this.post('/api/sensors/enrol', JSON.stringify({ sensor }));
    if (!r.ok) return { kind: 'retry', reason: r.reason };
    const verdict = this.verdict(r.answer);
    if (verdict !== undefined) return verdict;
    // The contract's schemas (zod) load only here, on the thread that enrols: the spool thread,
    // which only sends, starts without them (readAck below).
    const { EnrolResponse } = await import('../../contract/ingest.js');
    const parsed = EnrolResponse.safeParse(parseJson(r.answer.body));
    if (!parsed.success)
      return {
        kind: 'fatal',
        status: r.answer.status,
        reason: 'the console sent an enrol answer this sensor cannot read',
      };
    return { kind: 'ok', enrol: parsed.data };
  }

  /** Send one serialized IngestBatch. */
  async send(body: string): Promise<SendResult> {
    const r = await this.post('/api/ingest', body);
    if (!r.ok) return { kind: 'retry', reason: r.reason };
    const verdict = this.verdict(r.answer);
    if (verdict !== undefined) return verdict;
    const ack = readAck(parseJson(r.answer.body));
    // A 2xx we cannot read may not have stored the batch: sending it again is safe (idempotent).
    if (ack === undefined) return { kind: 'retry', reason: `unreadable ack (HTTP ${r.answer.status})` };
    return { kind: 'ack', ack };
  }

  private verdict(a: Answer): Exclude<SendResult, { kind: 'ack' }> | undefined {
    const s = a.status;
    if (s >= 200 && s < 300) return undefined;
    const reason = `HTTP ${s}${errorText(a.body)}`;
    if (s === 429 || s === 503) return { kind: 'retry', reason, afterMs: retryAfterMs(a.headers['retry-after']) };
    if (s >= 500 || s === 408) return { kind: 'retry', reason };
    if (s === 401 || s === 403) return { kind: 'fatal', status: s, reason };
    return { kind: 'reject', status: s, reason };
  }

  private async post(path: string, body: string): Promise<Outcome> {
    const first = await this.postOnce(path, body);
    // A kept-alive connection the console closed while idle fails at once: try a new one, once.
    if (first.ok || !first.stale) return first;
    return this.postOnce(path, body);
  }

  private postOnce(path: string, body: string): Promise<Outcome & { stale?: boolean }> {
    const url = new URL(path, this.base);
    const https = url.protocol === 'https:';
    const request = https ? httpsRequest : httpRequest;
    const payload = Buffer.from(body, 'utf8');
    return new Promise<Outcome & { stale?: boolean }>((resolve) => {
      let done = false;
      const finish = (o: Outcome & { stale?: boolean }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            'content-type': 'application/json',
            'content-length': payload.length,
          },
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= 1 << 20) chunks.push(c);
          });
          res.on('end', () =>
            finish({
              ok: true,
              answer: {
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8'),
              },
            }),
          );
          res.on('aborted', () => finish({ ok: false, reason: 'answer cut off' }));
          res.on('error', (err) => finish({ ok: false, reason: err.message }));
        },
      );
      const timer = setTimeout(() => {
        finish({ ok: false, reason: `no answer within ${this.timeoutMs} ms` });
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) =>
        finish({
          ok: false,
          reason: err.code ?? err.message,
          stale: req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE'),
        }),
      );
      req.end(payload);
    });
  }
}

/**
 * An ingest ack as the contract's `IngestAck` reads it (accepted: integer ≥ 0, duplicate: boolean,
 * seq: integer; other fields dropped), checked by hand so the spool thread needs no zod
 * (test/sensor/client.test.ts holds it to the schema).
 */
export function readAck(v: unknown): IngestAck | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { accepted, duplicate, seq } = v as Record<string, unknown>;
  if (typeof accepted !== 'number' || !Number.isSafeInteger(accepted) || accepted < 0) return undefined;
  if (typeof duplicate !== 'boolean' || typeof seq !== 'number' || !Number.isSafeInteger(seq)) return undefined;
  return { accepted, duplicate, seq };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorText(body: string): string {
  const j = parseJson(body) as { message?: unknown; error?: unknown } | undefined;
  const m = j && typeof j === 'object' ? (j.message ?? j.error) : undefined;
  return typeof m === 'string' ? `: ${m.slice(0, 200)}` : '';
}
