// Issue 19 end to end, RTP/RTCP: a SIP call whose SDP announces its media, RTP the heuristic names,
// and RTP-looking flows it takes back, through the engine and inventory: names, counts, media identities.
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceRecord } from '../../src/contract/records.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { loadCatalog } from '../../src/config/catalog.js';
import { DEV, engineEvents, SRV, tempPcap, udpPcap, type Dgram } from '../helpers/proto-pcap.js';
import { rtcpSenderReport, rtpPacket } from '../../src/decode/rtp-encode.js';
import { sipInvite, sipOk } from '../../src/decode/sip-encode.js';
import { host } from '../../src/sim/wire.js';

describe('RTP and RTCP end to end', () => {
  const PH2 = host('ph2', '02:00:00:00:00:44', '10.40.12.31');
  const rtp = (ssrc: number, seq: number) =>
    rtpPacket({ payloadType: 0, seq, timestamp: seq * 160, ssrc, payload: new Uint8Array(160) });
  const d = (from: typeof DEV, to: typeof DEV, sport: number, dport: number, payload: Uint8Array): Dgram => ({
    from,
    to,
    sport,
    dport,
    payload,
  });
  const cap = tempPcap(
    udpPcap([
      d(DEV, SRV, 5060, 5060, sipInvite('pbx.ward.example', 'NurseCall Handset 2.4', { ip: DEV_IP, port: 40000 })),
      d(SRV, DEV, 5060, 5060, sipOk('Asterisk PBX 18', { ip: SRV_IP, port: 30000, mediaLevel: true })),
      // The announced call: RTP both ways (two streams), RTCP one port up.
      ...[0, 1, 2, 3].flatMap((i) => [
        d(DEV, SRV, 40000, 30000, rtp(0x1111, 100 + i)),
        d(SRV, DEV, 30000, 40000, rtp(0x2222, 900 + i)),
      ]),
      d(DEV, SRV, 40001, 30001, rtcpSenderReport(0x1111, 1, 640, 4, 640, 'h@ward')),
      // Unannounced RTP between even ports: the heuristic names it after three agreeing packets.
      ...[0, 1, 2, 3, 4].map((i) => d(PH2, SRV, 16384, 16386, rtp(0x3333, 65534 + i))),
      // RTP-looking first packet, then the SSRC changes: a wrong guess, left unnamed.
      d(PH2, SRV, 20000, 20002, rtp(0x4444, 1)),
      d(PH2, SRV, 20000, 20002, rtp(0x5555, 2)),
      d(PH2, SRV, 20000, 20002, rtp(0x6666, 3)),
      // Two packets only: too few to tell.
      d(PH2, SRV, 22000, 22002, rtp(0x7777, 1)),
      d(PH2, SRV, 22000, 22002, rtp(0x7777, 2)),
    ]),
  );
  afterAll(cap.done);

  it('SDP names the call flows (tied to the SIP flow), the heuristic names the rest or takes its guess back', async () => {
    const { events, apps } = await engineEvents(cap.path);
    const ends = events.filter((e) => e.type === 'flow-end');
    const by = (port: number) => ends.find((e) => e.src.port === port || e.dst.port === port)!;
    const sip = by(5060);
    expect(sip.app).toBe('sip');
    expect(by(40000)).toMatchObject({ app: 'rtp', appBy: 'content', controlFlowId: sip.flowId, packets: [4, 4] });
    expect(by(40001)).toMatchObject({ app: 'rtcp', appBy: 'content', controlFlowId: sip.flowId });
    expect(by(16384)).toMatchObject({ app: 'rtp', appBy: 'heuristic' });
    expect(by(20000).app).toBeUndefined();
    expect(by(22000).app).toBeUndefined();
    expect(apps).toMatchObject({ sip: 2, rtp: 13, rtcp: 1 });
    const media = events.filter((e) => e.type === 'media-stream');
    expect(media.map((e) => [e.protocol, e.by, e.streams, e.packets, e.payloadTypes])).toEqual([
      ['rtp', 'sdp', 2, [4, 4], [0]],
      ['rtcp', 'sdp', 1, [1, 0], []],
      ['rtp', 'heuristic', 1, [5, 0], [0]],
    ]);
  });

  it('each phone counts its media flows, streams and packets; the PBX counts every call', async () => {
    const inv = new Inventory({ catalog: loadCatalog() });
    for (const ev of (await engineEvents(cap.path)).events) inv.onEvent(ev);
    expect(inv.device('02:00:00:00:00:11')?.identities?.media).toEqual({
      rtpFlows: 1,
      streams: 2,
      rtpPackets: 8,
      rtcpPackets: 1,
      by: ['sdp'],
      peers: [SRV_IP],
    });
    expect(inv.device('02:00:00:00:00:22')?.identities?.media).toMatchObject({
      rtpFlows: 2,
      streams: 3,
      rtpPackets: 13,
      by: ['heuristic', 'sdp'],
      peers: [DEV_IP, '10.40.12.31'],
    });
    const rec = inv.device('02:00:00:00:00:44')!;
    expect(DeviceRecord.safeParse(rec).success).toBe(true);
    expect(rec.identities?.media).toMatchObject({ rtpFlows: 1, rtpPackets: 5, by: ['heuristic'] });
  });
});
const DEV_IP = '10.40.12.30';
const SRV_IP = '10.40.12.5';
