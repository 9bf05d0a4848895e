// Test-only: a capture, made with the simulator's encoders and our pcap writer, whose wire text
// is hostile: the DHCP host name, HL7 MSH-3 (sending application), DICOM AE titles, TLS SNI and
// HTTP User-Agent carry HTML (`<img src=x onerror=…>`), terminal escapes and CEF/syslog separators.
// The patient is fictional; the outside peer is the documentation range.
import { PcapWriter } from '../../src/capture/writer.js';
import { dhcpClient, DISCOVER } from '../../src/decode/dhcp-encode.js';
import { associateRq } from '../../src/decode/dicom/encode.js';
import { mllp, oru } from '../../src/decode/hl7/messages.js';
import { httpGet } from '../../src/sim/proto/misc.js';
import { clientHello } from '../../src/decode/tls-encode.js';
import { Sim } from '../../src/sim/sched.js';
import { TcpConn } from '../../src/sim/tcp.js';
import { BROADCAST_MAC, host } from '../../src/sim/wire.js';

export const HTML = '<img src=x onerror=alert(1)>';
export const ESC = '\x1b[31m\x1b]0;owned\x07';
export const SEPARATORS = '|a=b\\c|';
export const HOSTILE = `${HTML}${ESC}${SEPARATORS}`;
/** AE titles are 16 bytes. */
export const HOSTILE_AE = '<img src=x>\x1b[2J|=';

const T0 = Date.UTC(2025, 0, 30, 8, 0, 0) * 1000;

export function hostileCapture(): Uint8Array {
  const monitor = host('monitor', '02:57:40:00:00:09', '10.40.1.9');
  const pacs = host('pacs', '02:57:40:00:00:30', '10.40.0.30');
  const outside = host('outside', '02:57:40:00:00:01', '203.0.113.120');
  const dhcpServer = host('dhcp', '02:57:40:00:00:02', '10.40.0.1');
  const w = new PcapWriter({ linktype: 1 });
  const records: Uint8Array[] = [w.header()];
  const sim = new Sim(T0, T0 + 60e6, (ts, frame) => records.push(w.record(ts, frame)));
  const dhcp = dhcpClient(DISCOVER, 0x1234, {
    mac: monitor.mac,
    hostname: HOSTILE,
    vendorClass: HOSTILE,
    paramList: [1, 3, 6, 15],
  });
  const zero = { ...monitor, ip: 0 };
  sim.emit(T0, sim.fb.udp(zero, { ...dhcpServer, ip: 0xffffffff }, 68, 67, dhcp, { dstMac: BROADCAST_MAC }));
  const msg = oru(
    {
      sendingApp: HOSTILE,
      sendingFacility: 'WARD',
      receivingApp: 'CENTRAL',
      receivingFacility: 'HOSP',
      controlId: '1',
    },
    T0 + 1e6,
    { mrn: 'SIM0000001', name: 'TEST^PATIENT', birthDate: '19700101', sex: 'U' },
    'BED1',
    { spo2: 97, pulse: 70, hr: 70, resp: 14, temp: 36.8 },
    HOSTILE,
  );
  const hl7 = new TcpConn(sim, monitor, outside, 40001, 515, 1000);
  let t = hl7.connect(T0 + 1e6);
  t = hl7.send(t, true, mllp(msg));
  hl7.close(t + 1000);
  const dicom = new TcpConn(sim, monitor, pacs, 40002, 104, 2000);
  t = dicom.connect(T0 + 2e6);
  t = dicom.send(t, true, associateRq(HOSTILE_AE, HOSTILE_AE));
  dicom.close(t + 1000);
  const tls = new TcpConn(sim, monitor, outside, 40003, 443, 3000);
  t = tls.connect(T0 + 3e6);
  t = tls.send(t, true, clientHello(`x${HTML}.example`, ['h2'], new Uint8Array(32)));
  tls.close(t + 1000);
  const http = new TcpConn(sim, monitor, outside, 40004, 80, 4000);
  t = http.connect(T0 + 4e6);
  t = http.send(t, true, httpGet(`${HTML}.example`, '/', HOSTILE));
  http.close(t + 1000);
  sim.run();
  const out = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let o = 0;
  for (const r of records) {
    out.set(r, o);
    o += r.length;
  }
  return out;
}
