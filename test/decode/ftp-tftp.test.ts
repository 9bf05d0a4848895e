// FTP control lines (PORT/EPRT/227/229, file commands) and TFTP packets: fields from text and
// hex, our TFTP writer checked in tshark, prefixes and fuzz; the port-name fallback.
import { afterAll, describe, expect, it } from 'vitest';
import { ftpCommand, ftpReply } from '../../src/decode/ftp.js';
import { tftpAck, tftpData, tftpRequest } from '../../src/decode/tftp/encode.js';
import { decodeTftp } from '../../src/decode/tftp/tftp.js';
import { portName } from '../../src/flow/port-names.js';
import { IN_CI } from '../helpers/paths.js';
import { DEV, engineEvents, OUT, prefixesAndFuzz, SRV, tcpPcap, tempPcap, udpPcap } from '../helpers/proto-pcap.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';
import { ascii, hex, rng } from './app-hex.js';

describe('FTP control lines', () => {
  it('data ports from PORT, EPRT, 227 and 229 (as in ftp-ipv4/ipv6.pcap)', () => {
    expect(ftpCommand('PORT 141,142,220,235,131,46')).toEqual({
      kind: 'data-port',
      ip: '141.142.220.235',
      port: 33582,
      passive: false,
    });
    expect(ftpCommand('EPRT |2|2001:db8::7|49189|')).toEqual({
      kind: 'data-port',
      ip: '2001:db8::7',
      port: 49189,
      passive: false,
    });
    expect(ftpReply('227 Entering Passive Mode (199,233,217,249,221,90)')).toEqual({
      kind: 'data-port',
      ip: '199.233.217.249',
      port: 56666,
      passive: true,
    });
    expect(ftpReply('229 Entering Extended Passive Mode (|||57086|)')).toEqual({
      kind: 'data-port',
      ip: '',
      port: 57086,
      passive: true,
    });
  });

  it('file commands give names only; bad host-ports are named', () => {
    expect(ftpCommand('RETR fw/pump-4.2.bin')).toEqual({ kind: 'file', op: 'read', name: 'fw/pump-4.2.bin' });
    expect(ftpCommand('stor cfg.xml')).toEqual({ kind: 'file', op: 'write', name: 'cfg.xml' });
    expect(ftpCommand('LIST')).toEqual({ kind: 'other' });
    for (const bad of ['PORT 1,2,3', 'PORT 300,1,1,1,1,1', 'EPRT |2|::1|x|', 'EPRT |1|1.2.3.4|0|'])
      expect(ftpCommand(bad)).toEqual({ kind: 'anomaly', code: 'ftp.bad-hostport' });
    expect(ftpReply('229 Entering Extended Passive Mode (x)')).toEqual({ kind: 'anomaly', code: 'ftp.bad-hostport' });
    expect(ftpReply('226 Transfer complete.')).toEqual({ kind: 'other' });
  });
});

const RRQ = hex(`
  0001                        # opcode 1 RRQ
  66772f6d6f6e2e62696e 00     # "fw/mon.bin"
  6f63746574 00               # mode "octet"
`);

describe('decodeTftp', () => {
  it('reads requests, data, ack and error field by field', () => {
    expect(decodeTftp(RRQ, 0, RRQ.length)).toEqual({
      kind: 'ok',
      packet: { op: 1, fileName: 'fw/mon.bin', mode: 'octet' },
    });
    const d = tftpData(7, new Uint8Array(100));
    expect(decodeTftp(d, 0, d.length)).toEqual({ kind: 'ok', packet: { op: 3, block: 7, dataLen: 100 } });
    expect(decodeTftp(tftpAck(7), 0, 4)).toEqual({ kind: 'ok', packet: { op: 4, block: 7, dataLen: 0 } });
    const err = hex('0005 0001 4e6f7420666f756e64 00'); // ERROR, code 1, "Not found"
    expect(decodeTftp(err, 0, err.length)).toEqual({ kind: 'ok', packet: { op: 5, errorCode: 1 } });
  });

  it('names a request without NUL or with an unknown mode; other bytes are not TFTP', () => {
    const noNul = ascii('\0\x01file');
    expect(decodeTftp(noNul, 0, noNul.length)).toEqual({ kind: 'anomaly', code: 'tftp.bad-request' });
    const mode = tftpRequest(2, 'x', 'binary');
    expect(decodeTftp(mode, 0, mode.length)).toEqual({ kind: 'anomaly', code: 'tftp.bad-request' });
    expect(decodeTftp(ascii('GET / HTTP/1.1'), 0, 14)).toEqual({ kind: 'not' });
  });

  it('no proper prefix of a request decodes ok; prefixes and 2000 mutations never throw', () => {
    for (let i = 0; i < RRQ.length; i++) expect(decodeTftp(RRQ, 0, i).kind).not.toBe('ok');
    expect(prefixesAndFuzz(RRQ, (b) => decodeTftp(b, 0, b.length), rng(69))).toBe(RRQ.length + 2001);
  });

  const tmp = tempPcap(
    udpPcap([
      { from: DEV, to: SRV, sport: 42000, dport: 69, payload: tftpRequest(1, 'fw/mon.bin') },
      { from: SRV, to: DEV, sport: 33333, dport: 42000, payload: tftpData(1, new Uint8Array(20)) },
    ]),
  );
  afterAll(() => tmp.done());

  it.skipIf(!HAVE_TSHARK && !IN_CI)('tshark reads the same opcode, file name, mode and block from our writer', () => {
    const rows = tshark(tmp.path, [
      '-T',
      'fields',
      '-E',
      'separator=,',
      '-e',
      'tftp.opcode',
      '-e',
      'tftp.source_file',
      '-e',
      'tftp.type',
      '-e',
      'tftp.block',
    ]);
    expect(rows).toEqual(['1,fw/mon.bin,octet,', '3,,,1']);
  });
});

describe('named port fallback', () => {
  it('names by server port, then client port; unlisted high ports stay unnamed', () => {
    expect(portName('tcp', 3389, 50000)).toBe('rdp');
    expect(portName('udp', 40000, 5353)).toBe('mdns');
    expect(portName('tcp', 40000, 41000)).toBeUndefined();
  });

  const flows = tempPcap(
    tcpPcap(DEV, OUT, 45000, 6379, [
      [0, ascii('*1\r\n$4\r\nPING\r\n')],
      [1, ascii('+PONG\r\n')],
    ]),
  );
  const udp = tempPcap(
    udpPcap([
      // CoAP (5683) has no analyzer of ours: named by its port. (SSDP on 1900 is read by content now.)
      { from: DEV, to: SRV, sport: 45001, dport: 5683, payload: ascii('\x40\x01\x00\x01') },
      { from: DEV, to: SRV, sport: 45002, dport: 47000, payload: ascii('x') },
    ]),
  );
  afterAll(() => {
    flows.done();
    udp.done();
  });

  it('a flow none of our analyzers reads ends with its port name, appBy port, counted once', async () => {
    const t = await engineEvents(flows.path);
    expect(t.events.filter((e) => e.type === 'flow-end').map((e) => [e.app, e.appBy])).toEqual([['redis', 'port']]);
    expect(t.apps).toEqual({ redis: 1 });
    const u = await engineEvents(udp.path);
    expect(u.events.filter((e) => e.type === 'flow-end').map((e) => [e.dst.port, e.app, e.appBy])).toEqual([
      [5683, 'coap', 'port'],
      [47000, undefined, undefined],
    ]);
  });
});
