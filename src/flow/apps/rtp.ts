// RTP and RTCP counting (issue 19): flows a SIP SDP offer or answer announced (the SIP analyzer
// calls `env.expectFlow` for each m= line: RTP at its port, RTCP at port + 1) are named `rtp` and
// `rtcp` when they appear; other UDP between ports ≥ 1024 that looks like RTP version 2 on an
// even port is a guess (`heuristic`), kept only once three packets one way agree — one SSRC,
// a sequence rising by 1–16 — and otherwise rejected (the flow is named as if never taken).
// Each flow is told once at its end as a `media-stream`; media payloads are never read.
import { decodeRtcp, decodeRtp } from '../../decode/rtp.js';
import type { MediaStreamEvent } from '../../events.js';
import type { DatagramApp, Dir, FlowContext, ProbeResult, UdpAppFactory } from '../app.js';

/** Packets one way that must agree before a guess is believed. */
const CONFIRM = 3;
const MAX_SSRCS = 16;
const MAX_TYPES = 8;

class MediaFlow implements DatagramApp {
  rejected = false;
  private confirmed: boolean;
  private readonly by: 'sdp' | 'heuristic';
  private readonly packets: [number, number] = [0, 0];
  private readonly ssrcs = new Set<number>();
  private readonly types = new Set<number>();
  private readonly lastSsrc: [number, number] = [-1, -1];
  private readonly lastSeq: [number, number] = [-1, -1];
  private readonly agree: [number, number] = [0, 0];
  private pending = 0;

  constructor(
    private readonly ctx: FlowContext,
    private readonly protocol: 'rtp' | 'rtcp',
  ) {
    this.by = ctx.controlFlowId !== undefined ? 'sdp' : 'heuristic';
    this.confirmed = this.by === 'sdp';
  }

  datagram(dir: Dir, payload: Uint8Array, ts: number): void {
    if (this.rejected) return;
    const { ctx } = this;
    if (this.protocol === 'rtcp') {
      const r = decodeRtcp(payload, 0, payload.length);
      if (r.kind === 'anomaly') ctx.anomaly(r.code, ts);
      if (r.kind !== 'ok') return;
      this.packets[dir]++;
      this.add(r.rtcp.ssrc, -1);
      ctx.env.countApp('rtcp');
      return;
    }
    const r = decodeRtp(payload, 0, payload.length);
    if (r.kind !== 'ok') {
      // A guess that stops looking like RTP was a wrong guess; an announced flow's oddities count.
      if (!this.confirmed) this.rejected = true;
      else if (r.kind === 'anomaly') ctx.anomaly(r.code, ts);
      return;
    }
    const h = r.rtp;
    this.packets[dir]++;
    if (!this.confirmed) {
      const prev = this.lastSeq[dir];
      if (prev >= 0) {
        const step = (h.seq - prev) & 0xffff;
        if (h.ssrc !== this.lastSsrc[dir] || step < 1 || step > 16) {
          this.rejected = true;
          return;
        }
      }
      this.lastSeq[dir] = h.seq;
      this.lastSsrc[dir] = h.ssrc;
      this.add(h.ssrc, h.payloadType);
      this.pending++;
      if (++this.agree[dir] < CONFIRM) return;
      this.confirmed = true;
      for (let i = 0; i < this.pending; i++) ctx.env.countApp('rtp');
      return;
    }
    this.add(h.ssrc, h.payloadType);
    ctx.env.countApp('rtp');
  }

  private add(ssrc: number, pt: number): void {
    if (this.ssrcs.size < MAX_SSRCS) this.ssrcs.add(ssrc);
    if (pt >= 0 && this.types.size < MAX_TYPES) this.types.add(pt);
  }

  end(ts: number): void {
    if (!this.confirmed) this.rejected = true; // too few packets to tell
    if (this.rejected) return;
    const { ctx } = this;
    const ev: MediaStreamEvent = {
      type: 'media-stream',
      ts,
      flowId: ctx.flowId,
      src: ctx.client,
      dst: ctx.server,
      vlan: ctx.vlan,
      protocol: this.protocol,
      by: this.by,
      packets: [this.packets[0], this.packets[1]],
      streams: this.ssrcs.size,
      payloadTypes: [...this.types].sort((a, b) => a - b),
      controlFlowId: ctx.controlFlowId,
    };
    ctx.emit(ev);
  }
}

export const rtpApp: UdpAppFactory = {
  name: 'rtp',
  ports: [],
  heuristic: true,
  probe(_dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): ProbeResult {
    // RTP takes even ports (RFC 3550 §11); dynamic ones, both ends.
    if (srcPort < 1024 || dstPort < 1024 || ((srcPort & 1) !== 0 && (dstPort & 1) !== 0)) return 'no';
    return decodeRtp(payload, 0, payload.length).kind === 'ok' ? 'yes' : 'no';
  },
  create(ctx: FlowContext): DatagramApp {
    return new MediaFlow(ctx, 'rtp');
  },
};

/** RTCP is named only when an SDP announced it (port + 1 of its RTP). */
export const rtcpApp: UdpAppFactory = {
  name: 'rtcp',
  ports: [],
  probe(): ProbeResult {
    return 'no';
  },
  create(ctx: FlowContext): DatagramApp {
    return new MediaFlow(ctx, 'rtcp');
  },
};
