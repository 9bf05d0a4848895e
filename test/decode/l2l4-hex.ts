// Test-only helpers for the L2–L4 decoder tests: commented hex and a seeded PRNG (shared, from
// test/helpers), bounds checks.
import { expect } from 'vitest';
import { L2L4_ANOMALIES } from '../../src/decode/packet.js';
import type { Layers } from '../../src/decode/layers.js';

export { hex } from '../helpers/hex.js';
export { rng } from '../helpers/rng.js';

const KNOWN = new Set<string>(L2L4_ANOMALIES);

/** Every offset the record holds points inside `len` bytes; anomalies are named ones. */
export function checkBounds(o: Layers, len: number): void {
  const inside = (off: number, size: number) => off === -1 || (off >= 0 && off + size <= len);
  const ok =
    inside(o.macSrcOff, 6) &&
    inside(o.macDstOff, 6) &&
    inside(o.arpSenderMacOff, 6) &&
    inside(o.arpTargetMacOff, 6) &&
    inside(o.ip6SrcOff, 16) &&
    inside(o.ip6DstOff, 16) &&
    inside(o.l3Off, 1) &&
    inside(o.l4Off, 0) &&
    o.ipPayloadLen >= 0 &&
    o.payloadLen >= 0 &&
    inside(o.ipPayloadOff, o.ipPayloadLen) &&
    inside(o.payloadOff, o.payloadLen) &&
    o.ipLen <= len &&
    (o.payloadOff === -1 || o.ipPayloadOff === -1 || o.payloadOff + o.payloadLen <= o.ipPayloadOff + o.ipPayloadLen) &&
    o.tcpSeq >= 0 &&
    o.tcpSeq < 2 ** 32 &&
    o.tcpAck >= 0 &&
    o.tcpAck < 2 ** 32 &&
    o.ip4Src >= 0 &&
    o.ip4Dst >= 0 &&
    (o.anomaly === null || KNOWN.has(o.anomaly)) &&
    (o.anomaly2 === null || KNOWN.has(o.anomaly2));
  if (!ok) expect.fail(`offsets out of bounds (len ${len}): ${JSON.stringify(o)}`);
}

/** After decodeL4 on reassembled bytes: the L4 offsets point into those `len` bytes. */
export function checkL4Bounds(o: Layers, len: number): void {
  const ok =
    (o.l4Off === -1 || (o.l4Off >= 0 && o.l4Off <= len)) &&
    o.payloadLen >= 0 &&
    (o.payloadOff === -1 || (o.payloadOff >= 0 && o.payloadOff + o.payloadLen <= len));
  if (!ok)
    expect.fail(`L4 offsets out of bounds (len ${len}): l4Off ${o.l4Off} payload ${o.payloadOff}+${o.payloadLen}`);
}
