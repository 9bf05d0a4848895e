// Small captures for the truer-alerts tests, written with our writer and the simulator's TCP:
// every packet goes through the real reader, decoders and flow engine before a rule sees it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapWriter } from '../../src/capture/writer.js';
import { dnsQuery, dnsResponse } from '../../src/decode/dns/encode.js';
import { encodeHl7Bytes, frameMllp } from '../../src/decode/hl7/encode.js';
import { getportCall, getportReply, MOUNT, mntCall, mntReply, recordMark } from '../../src/decode/rpc/encode.js';
import { clientHello } from '../../src/decode/tls-encode.js';
import { Sim } from '../../src/sim/sched.js';
import { TcpConn } from '../../src/sim/tcp.js';
import { type Host, host } from '../../src/sim/wire.js';

export const T0 = Date.UTC(2025, 0, 30, 9) * 1000;
const enc = new TextEncoder();

/** Run `build` on a fresh simulator and write what it emitted to `dir/name` (Ethernet, or raw IP). */
export function writeSim(dir: string, name: string, build: (sim: Sim) => void, raw = false): string {
  const w = new PcapWriter({ linktype: raw ? 101 : 1 });
  const parts: Uint8Array[] = [w.header()];
  const sim = new Sim(T0, T0 + 3600e6, (ts, frame) => {
    parts.push(w.record(ts, raw ? frame.subarray(14) : frame).slice());
  });
  build(sim);
  sim.run();
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

let isn = 1000;
/** A TCP connection: handshake, `request` answered by `answer` (either may be empty), close. */
export function tcp(
  sim: Sim,
  t: number,
  c: Host,
  s: Host,
  sport: number,
  request: Uint8Array | null,
  answer: Uint8Array | null = null,
): number {
  return tcpTalk(sim, t, c, s, sport, request === null ? [] : [[request, answer]]);
}

/** A TCP connection: handshake, then each client message answered by the server's (or not), then close. */
export function tcpTalk(
  sim: Sim,
  t: number,
  c: Host,
  s: Host,
  sport: number,
  exchanges: readonly (readonly [Uint8Array, Uint8Array | null])[],
): number {
  const conn = new TcpConn(sim, c, s, 40000 + (isn % 20000), sport, (isn += 7919));
  let at = conn.connect(t);
  for (const [request, answer] of exchanges) at = conn.exchange(at, true, request, answer);
  return conn.close(at);
}

/** SYN answered by RST: a closed port. */
export function refused(sim: Sim, t: number, c: Host, s: Host, sport: number): number {
  return new TcpConn(sim, c, s, 40000 + (isn % 20000), sport, (isn += 7919)).refused(t);
}

export const MON = host('mon', '00:0c:29:aa:bb:01', '10.1.1.10');
export const GW = host('gw', '00:0c:29:aa:bb:fe', '10.1.1.1');
/** An outside peer reached through the gateway: its frames carry the gateway's MAC. */
export const outside = (ip: string): Host => host(`o-${ip}`, '00:0c:29:aa:bb:fe', ip);

export function httpGet(hostHeader: string): Uint8Array {
  return enc.encode(`GET /fw/latest HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: pm/1.0\r\n\r\n`);
}

export const HTTP_OK = enc.encode('HTTP/1.1 204 No Content\r\nServer: nginx\r\n\r\n');

export function hello(sni: string): Uint8Array {
  return clientHello(sni, ['http/1.1'], new Uint8Array(96).fill(7));
}

export function dnsAsk(sim: Sim, t: number, c: Host, resolver: Host, name: string, answer?: string): void {
  sim.emit(t, sim.fb.udp(c, resolver, 53000, 53, dnsQuery(0x4242, name)));
  if (answer !== undefined)
    sim.emit(
      t + 300,
      sim.fb.udp(resolver, c, 53, 53000, dnsResponse(0x4242, name, [{ name, type: 'A', ttl: 300, data: answer }])),
    );
}

/** One ORU^R01 over MLLP with a fictional patient. */
export function oru(app: string): Uint8Array {
  return frameMllp(
    encodeHl7Bytes({
      sendingApp: app,
      sendingFacility: 'WARD3',
      receivingApp: 'CENTRAL',
      receivingFacility: 'WARD3',
      time: '20250130090000',
      messageType: 'ORU^R01',
      controlId: 'M1',
      version: '2.6',
      patient: { ids: ['FICT-0001'], name: 'EXAMPLE^ALEX', birthDate: '19700101', sex: 'U' },
      observations: [{ code: '150456', text: 'MDC_PULS_OXIM_SAT_O2', value: '97', unit: '262688' }],
    }),
  );
}

/** The ward's web proxy (the tests' CONNECTs go to its port 3128). */
export const WEB_PROXY = host('proxy', '00:0c:29:aa:bb:05', '10.1.1.5');

/** An HTTP CONNECT to `target` (`host:port`). */
export function connectRequest(target: string): Uint8Array {
  return enc.encode(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
}

export const CONNECT_OK = enc.encode('HTTP/1.1 200 Connection established\r\n\r\n');
export const CONNECT_FORBIDDEN = enc.encode('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');

/**
 * A monitor (MON) that reaches everything through WEB_PROXY: the CMS8000 copy of patient data
 * tunnelled to the indicator 202.114.4.120:515, the vendor's update server by name twice (TLS
 * inside, no alert), and a request the proxy refused (vendor-debug.example:8443).
 */
export function writeProxiedWard(dir: string, name: string): string {
  return writeSim(dir, name, (sim) => {
    tcpTalk(sim, T0 + 1e6, MON, WEB_PROXY, 3128, [
      [connectRequest('202.114.4.120:515'), CONNECT_OK],
      [oru('CMS8000'), null],
    ]);
    for (const t of [T0 + 3e6, T0 + 5e6])
      tcpTalk(sim, t, MON, WEB_PROXY, 3128, [
        [connectRequest('updates.vendor.example:443'), CONNECT_OK],
        [hello('updates.vendor.example'), null],
      ]);
    tcpTalk(sim, T0 + 7e6, MON, WEB_PROXY, 3128, [[connectRequest('vendor-debug.example:8443'), CONNECT_FORBIDDEN]]);
  });
}

/** Portmapper GETPORT(MOUNT) then MOUNT MNT from an outside caller, over TCP, answered. */
export function rpcInto(sim: Sim, t: number, caller: Host, dev: Host, xid: number): number {
  t = tcp(sim, t, caller, dev, 111, recordMark(getportCall(xid, MOUNT, 3, 6)), recordMark(getportReply(xid, 20048)));
  return tcp(
    sim,
    t + 1000,
    caller,
    dev,
    20048,
    recordMark(mntCall(xid + 1, '/export', 'scanner')),
    recordMark(mntReply(xid + 1, new Uint8Array(32).fill(1))),
  );
}
