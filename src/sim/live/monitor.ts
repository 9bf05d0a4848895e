// Live patient monitor over real sockets: ADT^A01, then ORU^R01 every interval to the central
// station, waiting for each ACK (AE → resend once, AR → give up on that message), reconnecting
// after a drop. `copyTo` reproduces the CMS8000 copy of every message to a second receiver;
// `nfsFrom` its boot-time portmap GETPORT + MOUNT + NFS GETATTR. Loopback or lab addresses only.
import { connect, type Socket } from 'node:net';
import { Patient } from '../patient.js';
import { adt, field, type Hl7Header, mllp, oru, unframe } from '../../decode/hl7/messages.js';
import { Rng } from '../rng.js';
import { type HostPort, refuseIndicator } from './guard.js';
import { nfsBoot } from './rpc-client.js';

export interface LiveMonitorOptions {
  readonly to: HostPort;
  readonly copyTo?: HostPort;
  readonly nfsFrom?: string;
  readonly nfsPath?: string;
  /** Messages to send, the admission ADT included. */
  readonly count: number;
  readonly intervalMs: number;
  readonly seed?: number;
  readonly bed?: string;
  readonly app?: string;
  readonly localAddress?: string;
  readonly ackTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface LiveMonitorResult {
  sent: number;
  acked: number;
  rejected: number;
  retransmitted: number;
  reconnects: number;
  copies: number;
  nfs?: { mountPort?: number; mounted: boolean; getattr: boolean };
}

class MllpLink {
  private sock: Socket | null = null;
  private pending: Uint8Array = new Uint8Array(0);
  private waiter: ((msg: string | null) => void) | null = null;

  constructor(
    private readonly target: HostPort,
    private readonly localAddress?: string,
  ) {}

  get connected(): boolean {
    return this.sock !== null && !this.sock.destroyed;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: this.target.host, port: this.target.port, localAddress: this.localAddress });
      s.once('connect', () => {
        this.sock = s;
        this.pending = new Uint8Array(0);
        resolve();
      });
      s.once('error', (e) => {
        s.destroy();
        if (this.sock === s) this.sock = null;
        this.wake(null);
        reject(e);
      });
      s.on('close', () => {
        if (this.sock === s) this.sock = null;
        this.wake(null);
      });
      s.on('data', (chunk: Buffer) => {
        const all = new Uint8Array(this.pending.length + chunk.length);
        all.set(this.pending);
        all.set(chunk, this.pending.length);
        const { messages, rest } = unframe(all);
        this.pending = rest.slice();
        for (const m of messages) this.wake(m);
      });
    });
  }

  private wake(msg: string | null): void {
    const w = this.waiter;
    this.waiter = null;
    w?.(msg);
  }

  /** Write a frame; with `timeoutMs`, wait for the next message from the peer (the ACK). */
  send(frame: Uint8Array, timeoutMs?: number): Promise<string | null> {
    const s = this.sock;
    if (!s) return Promise.resolve(null);
    if (timeoutMs === undefined) {
      s.write(frame);
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(null), timeoutMs);
      this.waiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      s.write(frame);
    });
  }

  close(): Promise<void> {
    const s = this.sock;
    this.sock = null;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 1000).unref();
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLiveMonitor(o: LiveMonitorOptions): Promise<LiveMonitorResult> {
  await refuseIndicator(o.to.host, '--to');
  if (o.copyTo) await refuseIndicator(o.copyTo.host, '--copy-to');
  if (o.nfsFrom) await refuseIndicator(o.nfsFrom, '--nfs-from');
  const log = o.log ?? (() => {});
  const rng = new Rng(o.seed ?? 1);
  const app = o.app ?? 'WWMON';
  const bed = o.bed ?? 'ICU^01^A';
  const patient = new Patient(rng.fork(1), 0, Date.now() * 1000, 60e6);
  const res: LiveMonitorResult = { sent: 0, acked: 0, rejected: 0, retransmitted: 0, reconnects: 0, copies: 0 };
  if (o.nfsFrom) res.nfs = await nfsBoot(o.nfsFrom, o.nfsPath ?? '/export/cms8000', app, o.localAddress, log);

  const link = new MllpLink(o.to, o.localAddress);
  const copy = o.copyTo ? new MllpLink(o.copyTo, o.localAddress) : null;
  let seq = 0;
  const header = (): Hl7Header => ({
    sendingApp: app,
    sendingFacility: 'WARD',
    receivingApp: 'CENTRAL',
    receivingFacility: 'WARD',
    controlId: `${app.replace(/[^A-Z0-9]/gi, '')}${String(++seq).padStart(6, '0')}`,
  });

  const ensure = async (l: MllpLink, what: string): Promise<boolean> => {
    for (let attempt = 0; attempt < 5 && !l.connected; attempt++) {
      try {
        await l.open();
        if (what === 'central' && (res.sent > 0 || attempt > 0)) res.reconnects++;
      } catch (e) {
        log(`${what}: connect failed (${(e as Error).message}); retrying`);
        await sleep(200 * 2 ** attempt);
      }
    }
    return l.connected;
  };

  try {
    for (let i = 0; i < o.count; i++) {
      if (i > 0) await sleep(o.intervalMs);
      const now = Date.now() * 1000;
      const msg =
        i === 0
          ? adt(header(), now, 'A01', patient.demo, bed)
          : oru(header(), now, patient.demo, bed, patient.at(now), `${app}^WARDSIM`);
      const frame = mllp(msg);
      if (copy && (await ensure(copy, 'copy'))) {
        await copy.send(frame);
        res.copies++;
      }
      for (let tries = 0; tries < 3; tries++) {
        if (!(await ensure(link, 'central'))) break;
        res.sent++;
        const reply = await link.send(frame, o.ackTimeoutMs ?? 5000);
        if (reply === null) continue; // dropped or timed out: reconnect and resend
        const code = field(reply, 'MSA', 1);
        if (code === 'AA' || code === 'CA') res.acked++;
        else if (code === 'AE' && tries === 0) {
          res.retransmitted++;
          continue;
        } else res.rejected++;
        break;
      }
    }
  } finally {
    await link.close();
    await copy?.close();
  }
  return res;
}
