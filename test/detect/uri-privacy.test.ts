// Credentials, query values and identifier-like path segments in URLs never reach events, records,
// the store or the CLI's jsonl (src/decode/uri-privacy.ts). One capture written with our writer
// carries them in every place a device may put them — an absolute-form request through a proxy,
// Host, a CONNECT authority, an origin-form query, a FHIR path naming a patient, an SSDP LOCATION —
// and the whole pipeline reads it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { type AnalyzeResult, analyzeCaptures } from '../../src/engine/analyze.js';
import type { HostIdentity, HttpRequest, ProxyRequest, WardEvent } from '../../src/events.js';
import { Zones } from '../../src/net/zones.js';
import { FrameBuilder, host } from '../../src/sim/wire.js';
import { Ingestor } from '../../src/store/ingest.js';
import { openStore } from '../../src/store/open.js';
import { jsonl, wardwatch } from '../helpers/cli.js';
import { MON, outside, T0, tcpTalk, writeSim } from './wire-captures.js';

const enc = new TextEncoder();
const YAML = 'dns: {warmupSeconds: 0}\n';
const PROXY = host('proxy', '00:0c:29:aa:bb:05', '10.1.1.5');
const SSDP = host('ssdp', '01:00:5e:7f:ff:fa', '239.255.255.250');

/** Every secret the capture carries, as a pattern that does not match inside a longer word or number. */
const SECRETS = [
  /secret/i,
  /(?<![A-Za-z0-9])12345(?![A-Za-z0-9])/,
  /(?<![A-Za-z0-9])DOE(?![A-Za-z0-9])/,
  /DOE12345/,
  /3f2504e0/i,
];
function expectClean(text: string, where: string): void {
  for (const s of SECRETS) expect(s.test(text), `${where} holds ${s}`).toBe(false);
}
const json = (x: unknown) =>
  JSON.stringify(x, (_k, v) =>
    typeof v === 'bigint' ? String(v) : v instanceof Map || v instanceof Set ? [...v.entries()] : v,
  );

describe('no credential, query value or path identifier from a URL leaves the decoders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-uripriv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let file = '';
  let r: AnalyzeResult;
  const events: WardEvent[] = [];
  let storeText = '';

  beforeAll(async () => {
    file = writeSim(dir, 'uri-private.pcap', (sim) => {
      const ok = enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      // An absolute-form request through the proxy: userinfo and a patient's MRN and name in the URL and in Host.
      tcpTalk(sim, T0 + 1e6, MON, PROXY, 3128, [
        [
          enc.encode(
            'GET http://nurse:secret@fw.vendor.example/api?mrn=12345&name=DOE HTTP/1.1\r\n' +
              'Host: nurse:secret@fw.vendor.example\r\nUser-Agent: pm/1.0\r\n\r\n',
          ),
          ok,
        ],
      ]);
      // Origin-form, straight to an outside address named by its literal in Host (with userinfo).
      // Then a FHIR read of a patient's history, the patient's id in the path.
      tcpTalk(sim, T0 + 2e6, MON, outside('203.0.113.50'), 80, [
        [enc.encode('GET /api?mrn=12345&name=DOE HTTP/1.1\r\nHost: user:secret@203.0.113.50\r\n\r\n'), ok],
        [enc.encode('GET /fhir/Patient/DOE12345/_history/2 HTTP/1.1\r\nHost: 203.0.113.50\r\n\r\n'), ok],
      ]);
      // A CONNECT whose authority carries credentials, to the CMS8000 indicator.
      tcpTalk(sim, T0 + 3e6, MON, PROXY, 3128, [
        [
          enc.encode('CONNECT svc:secret@202.114.4.120:515 HTTP/1.1\r\nHost: svc:secret@202.114.4.120:515\r\n\r\n'),
          enc.encode('HTTP/1.1 200 Connection established\r\n\r\n'),
        ],
      ]);
      // An SSDP announcement whose LOCATION has userinfo and a query.
      const notify = enc.encode(
        'NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n' +
          'LOCATION: http://admin:secret@10.1.1.10:49152/3f2504e0-4f89-11d3-9a0c-0305e82c3301/desc.xml?mrn=12345&name=DOE#DOE\r\n' +
          'NT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux/4.14 UPnP/1.0 Monitor/2.1\r\n' +
          'USN: uuid:1234-abcd::upnp:rootdevice\r\n\r\n',
      );
      const fb = new FrameBuilder();
      sim.emit(T0 + 4e6, fb.udp(MON, SSDP, 1900, 1900, notify));
    });
    const db = join(dir, 'store.db');
    const store = await openStore(db);
    const ingest = new Ingestor(store, { zones: new Zones(), flushMs: 0, maxRows: 20 });
    r = await analyzeCaptures([file], {
      salt: '00'.repeat(32),
      config: parseConfig(YAML, 'test.yaml'),
      onEvent: (ev) => {
        events.push(ev);
        ingest.onEvent(ev);
      },
    });
    await ingest.close();
    await store.write.devices(r.devices);
    await store.write.alerts(r.alerts);
    const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(store.db);
    const rows: string[] = [];
    for (const { name } of tables.rows) {
      const got = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(store.db);
      rows.push(...got.rows.map(json));
    }
    storeText = rows.join('\n');
    await store.close();
  });

  it('the capture does carry the password, the MRN and the name (so the checks below can fail)', () => {
    const wire = Buffer.from(readFileSync(file)).toString('latin1');
    for (const s of SECRETS) expect(s.test(wire)).toBe(true);
    expect(events.length).toBeGreaterThan(10);
  });

  it('events: the request target redacted (the FHIR path keeps its shape), Host and proxy targets without userinfo, LOCATION redacted', () => {
    expectClean(json(events), 'the events');
    const reqs = events.filter((e): e is HttpRequest => e.type === 'http-request');
    expect(reqs.map((e) => [e.method, e.uri, e.host])).toEqual([
      ['GET', 'http://redacted@fw.vendor.example/api?mrn=&name=', 'fw.vendor.example'],
      ['GET', '/api?mrn=&name=', '203.0.113.50'],
      ['GET', '/fhir/Patient/:id/_history/2', '203.0.113.50'],
      ['CONNECT', '202.114.4.120:515', '202.114.4.120:515'],
    ]);
    const proxied = events.filter((e): e is ProxyRequest => e.type === 'proxy-request');
    expect(proxied.map((e) => [e.command, e.targetHost, e.targetPort, e.granted])).toEqual([
      ['forward', 'fw.vendor.example', 80, true],
      ['connect', '202.114.4.120', 515, true],
    ]);
    const ssdp = events.filter((e): e is HostIdentity => e.type === 'host-identity' && e.via === 'ssdp');
    expect(ssdp.map((e) => e.location)).toEqual(['http://redacted@10.1.1.10:49152/:id/desc.xml?mrn=&name=']);
  });

  it('inventory, alerts and the breach report name the hosts and hold no secret', () => {
    const mon = r.inventory.details('00:0c:29:aa:bb:01');
    expect(mon?.web.httpHosts).toEqual(expect.arrayContaining(['fw.vendor.example', '203.0.113.50']));
    expectClean(json(mon), 'the device detail');
    expectClean(json([r.alerts, r.incidents, r.devices, r.summary, r.breach, r.peers]), 'the records');
    const ioc = r.alerts.filter((a) => a.rule === 'egress.ioc');
    expect(ioc.map((a) => [a.dst, a.evidence.via])).toEqual([[{ ip: '202.114.4.120', port: 515 }, ['proxy']]]);
    expect(ioc[0]!.message).toContain('HTTP CONNECT 202.114.4.120:515');
    const noDns = r.alerts.filter((a) => a.rule === 'egress.no-dns').map((a) => a.dst.ip);
    expect(noDns).toContain('203.0.113.50');
  });

  it('the store (every row of every table) holds no secret, but the indicator is there', () => {
    expect(storeText).toContain('202.114.4.120');
    expectClean(storeText, 'the store');
  });

  it('the CLI: analyze --format jsonl prints no secret and still names the hosts', () => {
    const cfg = join(dir, 'ward.yaml');
    writeFileSync(cfg, YAML);
    const run = wardwatch(['analyze', file, '--format', 'jsonl', '--config', cfg]);
    expect(run.status, run.stderr).toBe(0);
    expectClean(run.stdout, 'the jsonl');
    expectClean(run.stderr, 'stderr');
    const recs = jsonl(run.stdout);
    expect(recs.some((x) => x.type === 'alert' && x.rule === 'egress.ioc')).toBe(true);
    expect(run.stdout).toContain('202.114.4.120');
    expect(run.stdout).toContain('203.0.113.50');
  });
});
