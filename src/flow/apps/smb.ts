// SMB analyzer (TCP 445 direct, 139 over the NetBIOS session service): reads each direction's
// session messages until both ends have been through NEGOTIATE and SESSION_SETUP, then stops
// (`finished`), so file transfers are counted but never reassembled. Emits one `smb-negotiate`
// per flow (dialects offered and chosen, SMBv1 offered or used) and `host-identity` for what
// each end says about itself (NTLMSSP names and OS version, SMB1 NativeOS/NativeLanMan, the
// session request's NetBIOS names).

import {
  sessionRequestNames,
  decodeSmb,
  isSmb1Dialect,
  nbssFrame,
  type SmbMessage,
  smbMagic,
} from '../../decode/smb/smb.js';
import type { NtlmInfo } from '../../decode/smb/ntlmssp.js';
import type { Endpoint, HostIdentity } from '../../events.js';
import {
  type Dir,
  type FlowContext,
  type ProbeResult,
  type StreamApp,
  StreamFraming,
  type TcpAppFactory,
} from '../app.js';

/** Bytes of one message kept for decoding; the names and dialects sit in the first few hundred. */
const KEEP = 4096;
/** Messages read per direction before giving up on seeing a session set up. */
const MAX_MESSAGES = 12;
const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;

class SmbStream implements StreamApp {
  private readonly dirs = new StreamFraming(KEEP + 4);
  private readonly seen: [number, number] = [0, 0];
  private offered: string[] | undefined;
  private negotiated = false;
  /** The server answered a SESSION_SETUP with a final status (not MORE_PROCESSING_REQUIRED). */
  private setupDone = false;
  private lastTs = 0;

  constructor(private readonly ctx: FlowContext) {}

  get finished(): boolean {
    return (this.dirs.dead[0] && this.dirs.dead[1]) || (this.negotiated && this.setupDone);
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    const dead = this.dirs.dead;
    if (dead[dir]) return;
    this.lastTs = ts;
    const buf = this.dirs.take(dir, bytes);
    if (buf === null) return;
    let p = 0;
    // Each iteration consumes a 4-byte header at least.
    while (p < buf.length && !dead[dir]) {
      const f = this.dirs.frame(dir, nbssFrame(buf, p, buf.length), this.ctx, ts);
      if (f === null) break;
      const body = p + 4;
      const have = buf.length - body;
      if (have < f.length && f.length <= KEEP) break; // wait for the whole message
      const to = body + Math.min(f.length, have);
      this.message(f.type, buf, body, to, ts);
      p = this.dirs.past(dir, buf, body, f.length);
      if (++this.seen[dir] >= MAX_MESSAGES) dead[dir] = true;
    }
    this.dirs.hold(dir, buf, p, this.ctx, ts);
  }

  private message(type: number, b: Uint8Array, off: number, end: number, ts: number): void {
    const c = this.ctx;
    if (type === 0x81) {
      const n = sessionRequestNames(b, off, end);
      if (n.called !== undefined && n.called !== '*SMBSERVER') this.identity(c.server, ts, { names: [n.called] });
      if (n.calling !== undefined) this.identity(c.client, ts, { names: [n.calling] });
      return;
    }
    if (type !== 0) return;
    const r = decodeSmb(b, off, end);
    if (r.kind === 'not') return;
    if (r.kind === 'anomaly') {
      c.anomaly(r.code, ts);
      return;
    }
    c.env.countApp('smb');
    const m = r.msg;
    if (m.command === 'negotiate') {
      if (!m.response) this.offered = [...(m.dialects ?? [])];
      else this.emitNegotiate(m, ts);
    } else if (m.command === 'session-setup') {
      if (m.response && m.status !== STATUS_MORE_PROCESSING_REQUIRED) this.setupDone = true;
    } else if (m.command === 'other' && this.negotiated) {
      // Past the session setup (tree connects, files): nothing more to learn.
      this.setupDone = true;
    }
    const host = m.response ? c.server : c.client;
    const ntlm = m.ntlm;
    const facts = ntlmFacts(ntlm);
    if (m.nativeOs !== undefined) facts.os = m.nativeOs;
    if (m.nativeLanman !== undefined) facts.software = m.nativeLanman;
    if (m.primaryDomain !== undefined) facts.workgroup ??= m.primaryDomain;
    if (m.serverName !== undefined) facts.names.push(m.serverName);
    if (m.serverDomain !== undefined) facts.workgroup ??= m.serverDomain;
    if (
      facts.names.length > 0 ||
      facts.workgroup !== undefined ||
      facts.os !== undefined ||
      facts.software !== undefined
    )
      this.identity(host, ts, facts);
  }

  private emitNegotiate(m: SmbMessage | undefined, ts: number): void {
    if (this.negotiated) return;
    this.negotiated = true;
    const c = this.ctx;
    const offered = this.offered ?? [];
    c.emit({
      type: 'smb-negotiate',
      ts,
      flowId: c.flowId,
      src: c.client,
      dst: c.server,
      vlan: c.vlan,
      dialectsOffered: offered,
      dialect: m?.dialect,
      smb1Offered: offered.some(isSmb1Dialect),
      smb1Used: m?.version === 1,
      signingRequired: m?.signingRequired,
    });
  }

  private identity(host: Endpoint, ts: number, f: Facts): void {
    const c = this.ctx;
    const ev: HostIdentity = {
      type: 'host-identity',
      ts,
      flowId: c.flowId,
      src: c.client,
      dst: c.server,
      vlan: c.vlan,
      via: 'smb',
      host,
      names: f.names,
      workgroup: f.workgroup,
      os: f.os,
      software: f.software,
      services: host === c.server ? ['smb'] : [],
      location: undefined,
    };
    c.emit(ev);
  }

  gap(dir: Dir): void {
    // Framing cannot be found again after a hole.
    this.dirs.kill(dir, this.ctx);
  }

  end(ts: number): void {
    if (!this.negotiated && this.offered !== undefined) this.emitNegotiate(undefined, this.lastTs || ts);
  }
}

interface Facts {
  names: string[];
  workgroup?: string;
  os?: string;
  software?: string;
}

function ntlmFacts(n: NtlmInfo | undefined): Facts {
  const f: Facts = { names: [] };
  if (n === undefined) return f;
  for (const name of [n.nbComputer, n.dnsComputer, n.workstation]) if (name) f.names.push(name);
  f.workgroup = n.nbDomain ?? n.domain;
  if (n.osVersion !== undefined) f.os = `NTLM version ${n.osVersion}`;
  return f;
}

export const smbApp: TcpAppFactory = {
  name: 'smb',
  ports: [445, 139],
  probe(_dir: Dir, b: Uint8Array): ProbeResult {
    if (b.length < 1) return 'more';
    if (b[0] === 0x81) {
      // SESSION REQUEST: two encoded names (length byte 32).
      if (b.length < 5) return 'more';
      return b[4] === 32 ? 'yes' : 'no';
    }
    if (b[0] !== 0) return 'no';
    if (b.length < 8) return 'more';
    return smbMagic(b, 4, b.length) !== 0 ? 'yes' : 'no';
  },
  create(ctx: FlowContext): StreamApp {
    return new SmbStream(ctx);
  },
};
