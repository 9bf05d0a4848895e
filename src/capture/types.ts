// What a capture reader hands to the pipeline. One `RawPacket` object is reused for every
// packet: `data` is a view valid only during the callback (copy what you keep).

export type CaptureFormat = 'pcap' | 'nsecpcap' | 'pcapng';

export interface RawPacket {
  /** Microseconds since the Unix epoch. */
  ts: number;
  linktype: number;
  /** Captured bytes (length = caplen). Valid only during the callback. */
  data: Uint8Array;
  /** Length on the wire (≥ data.length when the capture was snapped). */
  origLen: number;
  /** pcapng interface index (0 for pcap). */
  ifIndex: number;
  /**
   * Set by the readers: `data` is frame[frameStart, frameEnd), the chunk being parsed. The flow
   * engine decodes there in place, so no view is made per packet unless someone reads `data`.
   * Packets built by hand leave these out.
   */
  readonly frame?: Uint8Array;
  readonly frameStart?: number;
  readonly frameEnd?: number;
}

export interface CaptureInfo {
  format: CaptureFormat | null;
  /** Link types of the (first section's) interfaces, in interface order; pcap has one. */
  linktypes: number[];
  snaplen: number;
  packets: number;
  /** Bytes of packet data captured (sum of caplen). */
  bytes: number;
  /** Bytes of the file consumed so far (for progress). */
  offset: number;
  /** Reading stopped early because the file is damaged (truncated record, absurd length). */
  damaged: boolean;
  /** Why and where, when damaged: e.g. 'truncated record at offset 1234'. */
  damage?: string;
  /** Set when the file was compressed and decompressed on the fly; offsets are then in the decompressed data. */
  compression?: 'gzip';
  /** Non-fatal remarks: unknown block types skipped, unknown link types, ... */
  warnings: string[];
  /** Malformed record-level fields (code → count), e.g. `pcapng.bad-timestamp`; the packets were kept. */
  anomalies: Record<string, number>;
}

export type PacketCallback = (pkt: RawPacket) => void;
