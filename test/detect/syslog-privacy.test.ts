import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatCef } from '../../src/export/cef.js';
import { formatJsonl } from '../../src/export/jsonl.js';
import { alertSyslogMessages, formatSyslog, parseSyslogUrl, sendSyslog } from '../../src/export/transport/syslog.js';
import { formatAlertTable } from '../../src/export/table.js';
import { breachHtml } from '../../src/export/report/html.js';
import { breachJson } from '../../src/export/report/json.js';
import { breachMarkdown } from '../../src/export/report/md.js';
import { WardwatchError } from '../../src/errors.js';
import { HASHES, wardRun } from './scenario.js';

const r = wardRun();
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) wardwatch (\d+) (\S+) - (CEF:0\|.*)$/s;

describe('syslog', () => {
  it('formats an RFC 5424 header with PRI from facility and severity', () => {
    const line = formatSyslog(
      { msg: 'CEF:0|x', severity: 'critical', time: '2025-01-30T12:00:00.000Z', msgid: 'egress.ioc' },
      { hostname: 'sensor 1' },
    );
    expect(line).toBe(`<130>1 2025-01-30T12:00:00.000Z sensor1 wardwatch ${process.pid} egress.ioc - CEF:0|x`);
  });

  it('sends one datagram per message over UDP', async () => {
    const sock = createSocket('udp4');
    const got: string[] = [];
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res));
    const port = sock.address().port;
    const done = new Promise<void>((res) => {
      sock.on('message', (m) => {
        got.push(m.toString('utf8'));
        if (got.length === r.alerts.length) res();
      });
    });
    await sendSyslog(
      `udp://127.0.0.1:${port}`,
      alertSyslogMessages(r.alerts, (a) => formatCef(a)),
    );
    await done;
    sock.close();
    expect(got).toHaveLength(r.alerts.length);
    for (const g of got) expect(g).toMatch(RFC5424);
    expect(RFC5424.exec(got[0] ?? '')?.[1]).toBe('130'); // local0.crit for the critical ioc alert
  });

  it('frames messages with octet counting over TCP (RFC 6587)', async () => {
    const chunks: Buffer[] = [];
    const server = createServer((c) => {
      c.on('data', (d: Buffer) => chunks.push(d));
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    const closed = new Promise<void>((res) => server.on('connection', (c) => c.on('close', () => res())));
    const msgs = r.alerts.map((a) => formatCef(a));
    await sendSyslog(`tcp://127.0.0.1:${port}`, msgs);
    await closed;
    server.close();
    // Parse the stream: "<len> <msg>" repeated, len counting octets (the messages hold multi-byte '—').
    const buf = Buffer.concat(chunks);
    const out: string[] = [];
    let off = 0;
    while (off < buf.length) {
      const sp = buf.indexOf(0x20, off);
      const len = Number(buf.subarray(off, sp).toString('ascii'));
      out.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
      off = sp + 1 + len;
    }
    expect(off).toBe(buf.length);
    expect(out.map((m) => RFC5424.exec(m)?.[6])).toEqual(msgs);
  });

  it('rejects bad URLs and unreachable receivers as WardwatchError', async () => {
    expect(() => parseSyslogUrl('http://x:1')).toThrow(WardwatchError);
    expect(parseSyslogUrl('tcp://[::1]:6514')).toEqual({ proto: 'tcp', host: '::1', port: 6514 });
    const server = createServer();
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    await new Promise<void>((res) => server.close(() => res()));
    await expect(sendSyslog(`tcp://127.0.0.1:${port}`, ['x'])).rejects.toBeInstanceOf(WardwatchError);
  });
});

describe('privacy', () => {
  it('no patient hash reaches any export', () => {
    const meta = { files: ['ward.pcap'] };
    const outputs = [
      formatJsonl([...r.alerts, ...r.devices, r.summary]),
      formatAlertTable(r.alerts, { color: true }),
      r.alerts.map((a) => formatCef(a)).join('\n'),
      alertSyslogMessages(r.alerts, (a) => formatCef(a))
        .map((m) => formatSyslog(m))
        .join('\n'),
      breachMarkdown(r.breach, meta),
      breachHtml(r.breach, meta),
      breachJson(r.breach),
    ];
    for (const text of outputs) for (const h of HASHES) expect(text).not.toContain(h);
    // And the counts are there instead.
    expect(outputs[0]).toContain('"patients":3');
  });
});
