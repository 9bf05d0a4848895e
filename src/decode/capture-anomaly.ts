// Record-level anomalies the capture readers (src/capture) name. They live here, beside the
// decoders' lists, so that one closed AnomalyCode covers every code a summary can count.
export const CAPTURE_ANOMALIES = [
  'pcap.bad-timestamp', // a record's time is outside 1970…9999 or its fraction is ≥ 1 s: kept with the previous time
  'pcapng.bad-timestamp', // an EPB/PB time (after if_tsresol/if_tsoffset) is outside 1970…9999: kept with the previous time
] as const;
export type CaptureAnomaly = (typeof CAPTURE_ANOMALIES)[number];
