// Syslog: RFC 5424 / 3164 / bare headers from hex and from our writer (checked in tshark),
// octet counting, truncated prefixes and fuzz, and HL7 logged to a collector outside seen as
// patient data (salted hashes only) by the whole engine.
import { afterAll, describe, expect, it } from 'vitest';
import { octetCounted, syslog3164, syslog5424 } from '../../src/decode/syslog/encode.js';
import { decodeSyslog, octetCount } from '../../src/decode/syslog/syslog.js';
import type { Hl7Message, SyslogMessage } from '../../src/events.js';
import { IN_CI } from '../helpers/paths.js';
import { DEV, engineEvents, OUT, prefixesAndFuzz, SRV, tcpPcap, tempPcap, udpPcap } from '../helpers/proto-pcap.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';
import { ascii, hex, rng } from './app-hex.js';

const RFC5424 = hex(`
  3c3136353e    # <165>  facility 20 (local4), severity 5
  31 20         # VERSION 1
  323032362d31322d30325430333a30303a30305a 20  # 2026-12-02T03:00:00Z
  6d6f6e2d3132 20  # HOSTNAME mon-12
  766974616c73 20  # APP-NAME vitals
  2d 20 2d 20   # PROCID, MSGID nil
  5b7820613d2262225d 20  # SD [x a="b"]
  616c61726d    # MSG alarm
`);

describe('decodeSyslog', () => {
  it('RFC 5424: facility, severity, host, app and where the text starts', () => {
    const r = decodeSyslog(RFC5424, 0, RFC5424.length);
    expect(r).toEqual({
      kind: 'ok',
      header: {
        format: 'rfc5424',
        facility: 20,
        severity: 5,
        hostname: 'mon-12',
        appName: 'vitals',
        msgStart: RFC5424.length - 5,
      },
    });
  });

  it('RFC 3164: host and tag without the pid; bare <PRI>text', () => {
    const b = ascii('<34>Oct 11 22:14:15 pump7 infusiond[412]: occlusion');
    expect(decodeSyslog(b, 0, b.length)).toMatchObject({
      kind: 'ok',
      header: { format: 'rfc3164', facility: 4, severity: 2, hostname: 'pump7', appName: 'infusiond' },
    });
    const r = decodeSyslog(b, 0, b.length);
    if (r.kind === 'ok') expect(Buffer.from(b.subarray(r.header.msgStart)).toString()).toBe('occlusion');
    const bare = ascii('<13>hello');
    expect(decodeSyslog(bare, 0, bare.length)).toEqual({
      kind: 'ok',
      header: { format: 'bare', facility: 1, severity: 5, msgStart: 4 },
    });
  });

  it('names what is not syslog: no <, PRI over 191, four digits', () => {
    for (const t of ['hello', '<192>x', '<1234>x', '<>x', '<12']) {
      const b = ascii(t);
      expect(decodeSyslog(b, 0, b.length)).toEqual({ kind: 'anomaly', code: 'syslog.bad-pri' });
    }
  });

  it('octet counting: whole frame, more, bad frame', () => {
    const f = octetCounted(ascii('<13>1 - - - - - - hi'));
    expect(octetCount(f, 0, f.length)).toEqual({ kind: 'frame', start: 3, end: f.length });
    expect(octetCount(f, 0, f.length - 1)).toEqual({ kind: 'more' });
    expect(octetCount(ascii('12x'), 0, 3)).toEqual({ kind: 'anomaly', code: 'syslog.bad-frame' });
    expect(octetCount(ascii('9999999 <'), 0, 9)).toEqual({ kind: 'anomaly', code: 'syslog.bad-frame' });
  });

  it('every prefix and 2000 mutations of both formats decode without throwing', () => {
    const b3164 = syslog3164({ facility: 16, severity: 6, hostname: 'h', appName: 'a', procId: '1', msg: 'x y z' });
    for (const base of [RFC5424, b3164]) {
      expect(prefixesAndFuzz(base, (b) => decodeSyslog(b, 0, b.length), rng(514))).toBe(base.length + 2001);
      prefixesAndFuzz(octetCounted(base), (b) => octetCount(b, 0, b.length), rng(515));
    }
  });
});

const HL7_LOG =
  'MSH|^~\\&|MONITOR|WARD3|LOG|HOSP|20261202030000||ORU^R01|77|P|2.6\rPID|1||MRN0042^^^HOSP||Fictional^Alice||19700101|F\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2||97|%';

describe('syslog end to end', () => {
  const udp = tempPcap(
    udpPcap([
      {
        from: DEV,
        to: SRV,
        sport: 40000,
        dport: 514,
        payload: syslog5424({ facility: 20, severity: 5, hostname: 'mon-12', appName: 'vitals', msg: 'battery low' }),
      },
      {
        from: DEV,
        to: OUT,
        sport: 40001,
        dport: 514,
        payload: syslog3164({ facility: 16, severity: 6, hostname: 'mon-12', appName: 'hl7gw', msg: HL7_LOG }),
      },
      {
        from: DEV,
        to: OUT,
        sport: 40002,
        dport: 514,
        payload: syslog3164({
          facility: 16,
          severity: 6,
          hostname: 'mon-12',
          appName: 'adt',
          msg: 'got PID|1||MRN0099^^^HOSP||Fictional^Bob',
        }),
      },
    ]),
  );
  const tcp = tempPcap(
    tcpPcap(DEV, SRV, 40100, 514, [
      [0, octetCounted(syslog5424({ facility: 1, severity: 3, hostname: 'pacs', appName: 'store', msg: 'one' }))],
      [
        0,
        Buffer.concat([
          octetCounted(syslog5424({ facility: 1, severity: 4, appName: 'store', msg: 'two' })),
          octetCounted(syslog5424({ facility: 1, severity: 6, appName: 'scp', msg: '' })),
        ]),
      ],
    ]),
  );
  afterAll(() => {
    udp.done();
    tcp.done();
  });

  it('UDP: one syslog-message each; HL7 and a bare PID segment become hl7-messages with hashes, never the text', async () => {
    const { events, apps } = await engineEvents(udp.path);
    const sys = events.filter((e): e is SyslogMessage => e.type === 'syslog-message');
    expect(sys.map((e) => [e.format, e.facility, e.severity, e.hostname, e.appName, e.patientData])).toEqual([
      ['rfc5424', 20, 5, 'mon-12', 'vitals', false],
      ['rfc3164', 16, 6, 'mon-12', 'hl7gw', true],
      ['rfc3164', 16, 6, 'mon-12', 'adt', true],
    ]);
    const hl7 = events.filter((e): e is Hl7Message => e.type === 'hl7-message');
    expect(hl7.map((e) => e.patientHashes)).toEqual([['h(MRN0042)'], ['h(MRN0099)']]);
    expect(hl7[0]).toMatchObject({
      messageType: 'ORU^R01',
      sendingApp: 'MONITOR',
      dst: { ip: '203.0.113.50', port: 514 },
    });
    expect(hl7[1]!.fieldsPresent).toContain('PID-5');
    expect(apps).toMatchObject({ syslog: 3, hl7: 2 });
    const text = JSON.stringify(events);
    for (const secret of ['Fictional', 'Alice', '19700101', 'battery low']) expect(text).not.toContain(secret);
  });

  it('TCP: octet-counted frames, two in one segment', async () => {
    const { events } = await engineEvents(tcp.path);
    const sys = events.filter((e): e is SyslogMessage => e.type === 'syslog-message');
    expect(sys.map((e) => [e.transport, e.severity, e.appName])).toEqual([
      ['tcp', 3, 'store'],
      ['tcp', 4, 'store'],
      ['tcp', 6, 'scp'],
    ]);
  });

  it.skipIf(!HAVE_TSHARK && !IN_CI)('tshark reads the same facility, severity, host and app from our writer', () => {
    const rows = tshark(udp.path, [
      '-T',
      'fields',
      '-E',
      'separator=,',
      '-e',
      'syslog.facility',
      '-e',
      'syslog.level',
      '-e',
      'syslog.hostname',
      '-e',
      'syslog.appname',
      '-e',
      'syslog.procid',
    ]);
    // tshark 4.0 puts an RFC 3164 TAG in syslog.procid (no app name there): that is our appName.
    expect(rows).toEqual(['20,5,mon-12,vitals,-', '16,6,mon-12,,hl7gw', '16,6,mon-12,,adt']);
  });
});
