// Every export format end to end through the CLI, on a simulated CMS8000 ward: jsonl (golden),
// CEF, syslog over UDP and TCP to receivers on loopback, and the breach report in md/html/json.
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BreachReport } from '../../src/contract/breach.js';
import { AlertRecord } from '../../src/contract/records.js';
import { CLI, jsonl, wardwatch } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-exports-'));
const ward = join(dir, 'cms8000.pcap');
let alerts: AlertRecord[] = [];

beforeAll(() => {
  expect(wardwatch(['sim', 'cms8000', '--out', ward, '--duration', '60s', '--seed', '5']).status).toBe(0);
  const r = wardwatch(['analyze', ward, '--format', 'jsonl']);
  expect(r.status).toBe(0);
  alerts = jsonl(r.stdout)
    .filter((x) => x.type === 'alert')
    .map((x) => AlertRecord.parse(x));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('analyze exports on a simulated CMS8000 ward', () => {
  it('jsonl matches the reviewed golden file', () => {
    // test/fixtures/golden/cms8000-seed5-60s.jsonl was read by a person: 2 backdoor monitors,
    // every backdoor rule, one patient each, no identifiers. Regenerate only as a reviewed change
    // (UPDATE_GOLDEN=1) when the simulator or a rule changes on purpose.
    const out = wardwatch(['analyze', ward, '--format', 'jsonl']).stdout.replaceAll(dir, '<dir>');
    golden('golden/cms8000-seed5-60s.jsonl', out);
  });

  it('cef: one line per alert, rule id as signature, severity 0-10, endpoints and MAC', () => {
    const r = wardwatch(['analyze', ward, '--format', 'cef']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(alerts.length);
    alerts.forEach((a, i) => {
      const line = lines[i]!;
      expect(line.startsWith(`CEF:0|wardwatch|wardwatch|0.1.0|${a.rule}|`)).toBe(true);
      const sev = Number(line.split('|')[6]);
      expect(sev).toBeGreaterThanOrEqual(0);
      expect(sev).toBeLessThanOrEqual(10);
      expect(line).toContain(`src=${a.src.ip}`);
      if (a.dst.port !== undefined) expect(line).toContain(`dpt=${a.dst.port}`);
    });
    expect(lines.find((l) => l.includes('|phi.cleartext|'))).toMatch(/\|10\|/);
  });

  it('syslog over TCP: RFC 5424 messages with octet-counting framing, one per alert', async () => {
    const received: Buffer[] = [];
    const server = createServer((sock) => sock.on('data', (d) => received.push(d)));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    const port = (server.address() as { port: number }).port;
    const r = await runAsync(['analyze', ward, '--format', 'jsonl', '--syslog', `tcp://127.0.0.1:${port}`]);
    await new Promise((res) => setTimeout(res, 200));
    server.close();
    expect(r).toBe(0);
    const stream = Buffer.concat(received).toString('utf8');
    const frames: string[] = [];
    for (let p = 0; p < stream.length; ) {
      const sp = stream.indexOf(' ', p);
      const len = Number(stream.slice(p, sp));
      expect(Number.isInteger(len) && len > 0).toBe(true);
      const bytes = Buffer.from(stream.slice(sp + 1), 'utf8')
        .subarray(0, len)
        .toString('utf8');
      frames.push(bytes);
      p = sp + 1 + bytes.length;
    }
    expect(frames).toHaveLength(alerts.length);
    for (const f of frames)
      expect(f).toMatch(/^<\d{1,3}>1 \d{4}-\d\d-\d\dT\S+ \S+ wardwatch \S+ \S+ \S+ CEF:0\|wardwatch\|/);
  });

  it('syslog over UDP: one datagram per alert', async () => {
    const sock = createSocket('udp4');
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    const port = sock.address().port;
    const r = await runAsync(['analyze', ward, '--format', 'jsonl', '--syslog', `udp://127.0.0.1:${port}`]);
    await new Promise((res) => setTimeout(res, 200));
    sock.close();
    expect(r).toBe(0);
    expect(got).toHaveLength(alerts.length);
    expect(got.filter((g) => g.includes('|egress.ioc|'))).toHaveLength(
      alerts.filter((a) => a.rule === 'egress.ioc').length,
    );
  });

  it('syslog to a closed port fails with exit 74 (output lost, not success) and a message naming the URL', () => {
    const r = wardwatch(['analyze', ward, '--syslog', 'tcp://127.0.0.1:1']);
    expect(r.status).toBe(74);
    expect(r.stderr).toContain('tcp://127.0.0.1:1');
  });
});

describe('report', () => {
  it('json is the contract: 2 patients to 202.114.4.120:515 from two devices', () => {
    const r = wardwatch(['report', ward, '--format', 'json']);
    expect(r.status).toBe(0);
    const rep = BreachReport.parse(JSON.parse(r.stdout));
    expect(rep.totals).toMatchObject({ patients: 2, destinations: 1 });
    expect(rep.destinations[0]).toMatchObject({ ip: '202.114.4.120', port: 515, patients: 2 });
    expect(rep.destinations[0]!.devices).toHaveLength(2);
    expect(rep.destinations[0]!.fields).toEqual(expect.arrayContaining(['PID-3', 'PID-5', 'PID-7']));
  });

  it('html is one self-contained file with a timeline chart', () => {
    const out = join(dir, 'report.html');
    expect(wardwatch(['report', ward, '--format', 'html', '--out', out]).status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/https?:\/\/(?!www\.cisa\.gov)/);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain('202.114.4.120');
  });

  it('md names the destination, the patient count and the notification threshold', () => {
    const r = wardwatch(['report', ward]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('**2 distinct patients**');
    expect(r.stdout).toContain('202.114.4.120:515');
    expect(r.stdout).toMatch(/500-individual threshold/);
  });
});

function runAsync(args: string[]): Promise<number | null> {
  // The receivers live in this process, so the CLI must run without blocking the event loop.
  return import('node:child_process').then(
    ({ spawn }) =>
      new Promise((resolve) => {
        const c = spawn(process.execPath, [CLI, ...args], {
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, WARDWATCH_HOME: join(dir, 'home') },
        });
        c.on('close', resolve);
      }),
  );
}
