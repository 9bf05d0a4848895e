// The packets behind an alert: stream the captures and write exactly the packets of the alert's
// flows (both directions), IP fragments included, in the input's link type. Two streaming
// passes: the first learns the link types and which fragmented datagrams (src, dst, proto, IP
// id) belong to the flows — a non-first fragment has no ports, and may come before the first;
// the second writes. Memory: the matchers and the bounded fragment-id set, whatever the size.
import type { AlertRecord } from '../contract/records.js';
import { keptCovering, listKept } from '../capture/keep-dir.js';
import { readCapture } from '../capture/reader.js';
import { CaptureFileWriter } from '../capture/writer.js';
import { Layers } from '../decode/layers.js';
import { decodePacket } from '../decode/packet.js';
import { WardwatchError } from '../errors.js';
import { ip4ToString, ip6ToString, parseIp4 } from '../net/addr.js';
import type { RawPacket } from '../capture/types.js';
import { join } from 'node:path';

/** One side of a flow key: an address (IPv4 as u32, IPv6 as text) and a port (-1: any). */
interface Side {
  readonly v4: number | null;
  readonly text: string;
  readonly port: number;
}

export interface FlowMatcher {
  readonly a: Side;
  readonly b: Side;
}

/** Fragmented datagrams remembered per run: more than this is a fragment flood, not evidence. */
const MAX_FRAG_IDS = 65536;

function side(s: string, key: string): Side {
  let host: string;
  let port = -1;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (m === null)
    throw new WardwatchError('WW_ARGS', `flow key ${JSON.stringify(key)}: cannot read ${JSON.stringify(s)}`);
  host = m[1]!;
  if (m[2] !== undefined) port = Number(m[2]);
  if (host.includes(':')) host = host.toLowerCase();
  return { v4: parseIp4(host), text: host, port };
}

/** `src[:port]>dst[:port]` (AlertRecord.flows) → a matcher for both directions. */
export function parseFlowKey(key: string): FlowMatcher {
  const i = key.indexOf('>');
  if (i < 0) throw new WardwatchError('WW_ARGS', `flow key ${JSON.stringify(key)}: expected src>dst`);
  return { a: side(key.slice(0, i), key), b: side(key.slice(i + 1), key) };
}

/** What one packet's IP layer says, in the form the matchers compare. */
class View {
  v4 = true;
  src4 = 0;
  dst4 = 0;
  src6 = '';
  dst6 = '';
  sport = -1;
  dport = -1;

  load(l: Layers, data: Uint8Array): boolean {
    if (l.ipVersion === 4) {
      this.v4 = true;
      this.src4 = l.ip4Src >>> 0;
      this.dst4 = l.ip4Dst >>> 0;
    } else if (l.ipVersion === 6) {
      this.v4 = false;
      this.src6 = ip6ToString(data, l.ip6SrcOff);
      this.dst6 = ip6ToString(data, l.ip6DstOff);
    } else return false;
    this.sport = l.srcPort;
    this.dport = l.dstPort;
    return true;
  }

  private is(s: Side, src: boolean): boolean {
    if (this.v4) {
      if (s.v4 === null || s.v4 !== (src ? this.src4 : this.dst4)) return false;
    } else if (s.text !== (src ? this.src6 : this.dst6)) return false;
    return s.port < 0 || s.port === (src ? this.sport : this.dport);
  }

  matches(m: FlowMatcher, ports: boolean): boolean {
    // A non-first fragment has no ports: only the addresses are compared (its IP id decides).
    if (!ports) return this.addrOnly(m.a, m.b) || this.addrOnly(m.b, m.a);
    return (this.is(m.a, true) && this.is(m.b, false)) || (this.is(m.b, true) && this.is(m.a, false));
  }

  private addrOnly(x: Side, y: Side): boolean {
    if (this.v4) return x.v4 !== null && y.v4 !== null && x.v4 === this.src4 && y.v4 === this.dst4;
    return x.text === this.src6 && y.text === this.dst6;
  }

  fragKey(l: Layers): string {
    const s = this.v4 ? ip4ToString(this.src4) : this.src6;
    const d = this.v4 ? ip4ToString(this.dst4) : this.dst6;
    return `${s}|${d}|${l.ipProto}|${l.fragId}`;
  }
}

export interface ExtractOptions {
  /** Output path; `.pcapng` gets the alert as the section's comment. */
  readonly out: string;
  readonly alert: AlertRecord;
  readonly signal?: AbortSignal;
  /** Bytes read of the current file, per pass (the CLI's progress bar). */
  readonly onProgress?: (file: string, offset: number, total: number) => void;
}

export interface ExtractResult {
  readonly packets: number;
  readonly format: 'pcap' | 'pcapng';
  readonly linktypes: number[];
  /** Fragmented datagrams not tracked because the id set was full. */
  readonly fragmentsUntracked: number;
}

/** The pcapng comment for an alert: its JSON record (counts and hashes only, like every export). */
export function alertComment(a: AlertRecord): string {
  return `wardwatch alert ${a.id ?? ''}\n${JSON.stringify(a)}`;
}

export async function extractAlert(captures: readonly string[], opts: ExtractOptions): Promise<ExtractResult> {
  const flows = opts.alert.flows ?? [];
  if (flows.length === 0)
    throw new WardwatchError('WW_ARGS', `alert ${opts.alert.id ?? ''} (${opts.alert.rule}) covers no flows to extract`);
  const matchers = flows.map(parseFlowKey);
  const layers = new Layers();
  const view = new View();
  const fragIds = new Set<string>();
  let untracked = 0;
  const linktypes: number[] = [];

  const wanted = (p: RawPacket, learn: boolean): boolean => {
    const data = p.data;
    decodePacket(data, p.linktype, layers);
    if (!view.load(layers, data)) return false;
    const later = layers.isFragment && layers.fragOffset > 0;
    if (!later) {
      for (const m of matchers)
        if (view.matches(m, true)) {
          if (learn && layers.isFragment) {
            if (fragIds.size < MAX_FRAG_IDS) fragIds.add(view.fragKey(layers));
            else untracked++;
          }
          return true;
        }
      return false;
    }
    if (learn || fragIds.size === 0) return false;
    for (const m of matchers) if (view.matches(m, false)) return fragIds.has(view.fragKey(layers));
    return false;
  };

  for (const file of captures)
    await readCapture(
      file,
      (p) => {
        if (!linktypes.includes(p.linktype)) linktypes.push(p.linktype);
        wanted(p, true);
      },
      { signal: opts.signal, onProgress: opts.onProgress && ((o, t) => opts.onProgress?.(file, o, t)) },
    );
  const pcapng = opts.out.toLowerCase().endsWith('.pcapng');
  if (!pcapng && linktypes.length > 1)
    throw new WardwatchError(
      'WW_ARGS',
      `the captures mix link types ${linktypes.join(', ')}: a pcap file holds one; write .pcapng instead`,
    );
  const writer = new CaptureFileWriter(opts.out, {
    linktype: linktypes[0] ?? 1,
    ...(pcapng ? { interfaces: (linktypes.length > 0 ? linktypes : [1]).map((linktype) => ({ linktype })) } : {}),
    ...(pcapng ? { comment: alertComment(opts.alert) } : {}),
  });
  // A failed write of the slice is an output error (exit 74), not an unreadable input.
  const write = (p: RawPacket): void => {
    try {
      writer.write(p.ts, p.data, p.origLen, linktypes.indexOf(p.linktype));
    } catch (err) {
      throw new WardwatchError('WW_OUTPUT', `${opts.out}: writing the slice failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  try {
    for (const file of captures)
      await readCapture(
        file,
        (p) => {
          if (wanted(p, false)) write(p);
        },
        { signal: opts.signal, onProgress: opts.onProgress && ((o, t) => opts.onProgress?.(file, o, t)) },
      );
  } finally {
    writer.close();
  }
  return { packets: writer.packets, format: writer.format, linktypes, fragmentsUntracked: untracked };
}

export interface KeptSelection {
  /** The kept files to read, in writing order. */
  readonly files: string[];
  /** What the responder should know: the alert's start or end is no longer (or not yet) kept. */
  readonly warnings: string[];
}

/** A file shorter than a pcap header holds no packet (a file whose first write failed). */
const MIN_CAPTURE = 24;

/**
 * The files of a rolling capture (`watch --keep DIR`) that may hold the alert's packets: those
 * overlapping its first..last time widened by `marginSec` on each side (a flow's handshake comes
 * before the rule fires, its packets go on after). Throws when none of the kept files does.
 */
export function keptFilesFor(dir: string, alert: AlertRecord, marginSec: number): KeptSelection {
  const first = Date.parse(alert.first) * 1000;
  const last = Date.parse(alert.last) * 1000;
  if (!Number.isFinite(first) || !Number.isFinite(last))
    throw new WardwatchError('WW_ARGS', `alert ${alert.id ?? ''}: unreadable first/last time`);
  const all = listKept(dir).filter((f) => f.bytes >= MIN_CAPTURE);
  const from = first - marginSec * 1e6;
  const to = last + marginSec * 1e6 + 999;
  const hit = keptCovering(all, from, to);
  if (hit.length === 0) {
    const span =
      all.length === 0 ? 'no kept files' : `kept files from ${new Date(all[0]!.firstUs / 1000).toISOString()}`;
    throw new WardwatchError(
      'WW_ARGS',
      `--keep ${dir}: ${span}; none covers alert ${alert.id ?? ''} (${alert.first} .. ${alert.last}): its packets were deleted to stay within --keep-size, or kept elsewhere`,
    );
  }
  const warnings: string[] = [];
  if (all[0]!.firstUs > first)
    warnings.push(
      `the oldest kept packet (${new Date(all[0]!.firstUs / 1000).toISOString()}) is after the alert's first time ${alert.first}: the slice misses its start`,
    );
  return { files: hit.map((f) => join(dir, f.name)), warnings };
}
