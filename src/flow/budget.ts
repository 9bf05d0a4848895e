// The run's budget for bytes held across flows: out-of-order TCP segments (flow/tcp-stream.ts),
// HL7 frames spanning segments (decode/hl7/mllp.ts), DICOM PDUs (flow/apps/dicom.ts), and the
// analyzers that keep up to 64 KiB between calls through `holdBytes` (flow/app.ts: TLS, HTTP,
// DNS and syslog over TCP, proxy tunnels, SOCKS). Each is bounded per flow, but the flow table
// holds 65 536 flows: 1 000 flows each waiting on a hole held 420 MB, 300 HL7 flows each inside
// a long frame 430 MB, where a run stays under 300 MB. Suricata bounds the same with
// `stream.reassembly.memcap`. Past the budget a holder does what its own bound does — skip the
// hole, drop the frame or PDU — and the flow gets the anomaly `stream.memcap`. A flow's holdings
// go back to the budget when it ends, whatever its analyzer still kept.

/** `--max-buffer`: what every flow of a run may hold at once (a worker shard holds its share). */
export const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

export class BufferBudget {
  /** Bytes held now, over every open flow. */
  used = 0;
  /** Bytes refused so far (their holder skipped or dropped them). */
  refused = 0;
  /** How often a holder was refused. */
  refusals = 0;
  constructor(readonly limit: number = DEFAULT_MAX_BUFFERED) {}
}
