// The breach report says how patient data reached a destination: a CMS8000-style monitor that
// CONNECTs through the ward's web proxy to 202.114.4.120:515 and sends HL7 in the tunnel lands
// under the indicator, with `proxies` naming the proxy and `direct: false`; one that also sends
// directly is both. Captures are written with our writer and read through the whole pipeline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { BreachReport } from '../../src/contract/breach.js';
import { socks5Choice, socks5Greeting, socks5Reply, socks5Request } from '../../src/decode/socks-encode.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { breachHtml } from '../../src/export/report/html.js';
import { breachMarkdown } from '../../src/export/report/md.js';
import { host } from '../../src/sim/wire.js';
import { MON, oru, outside, T0, tcpTalk, writeSim } from './wire-captures.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-proxy-breach-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const proxy = host('proxy', '00:0c:29:aa:bb:05', '10.1.1.5');
const socks = host('socks', '00:0c:29:aa:bb:06', '10.1.1.6');
const INDICATOR = outside('202.114.4.120');
const enc = new TextEncoder();
const connect = (target: string) => enc.encode(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
const established = enc.encode('HTTP/1.1 200 Connection established\r\n\r\n');
const config = parseConfig('dns: {warmupSeconds: 0}\n', 'test.yaml');
const meta = { files: ['ward.pcap'] };

async function breachOf(name: string, build: Parameters<typeof writeSim>[2]) {
  const file = writeSim(dir, name, build);
  const r = await analyzeCaptures([file], { salt: '00'.repeat(32), config });
  return { r, breach: BreachReport.parse(r.breach) };
}

describe('the breach report through a proxy', () => {
  it('HL7 in a CONNECT tunnel: the destination is the indicator, the proxy in `proxies`, not direct', async () => {
    const { r, breach } = await breachOf('connect.pcap', (sim) => {
      tcpTalk(sim, T0 + 1e6, MON, proxy, 3128, [
        [connect('202.114.4.120:515'), established],
        [oru('CMS8000'), null],
        [oru('CMS8000'), null],
      ]);
    });
    expect(r.summary.apps).toMatchObject({ http: 1, hl7: 2 }); // both messages read inside the tunnel
    expect(breach.destinations).toHaveLength(1);
    expect(breach.destinations[0]).toMatchObject({
      ip: '202.114.4.120',
      port: 515,
      patients: 1,
      messages: 2,
      devices: ['00:0c:29:aa:bb:01'],
      indicator: { source: 'ICSMA-25-030-01' },
      proxies: ['10.1.1.5:3128'],
      direct: false,
    });
    // the proxy is not a destination of its own: the data did not stop there
    expect(breach.destinations.map((d) => d.ip)).not.toContain('10.1.1.5');
    const md = breachMarkdown(breach, meta);
    expect(md).toMatch(
      /\| 202\.114\.4\.120:515 hl7\/mllp \(TCP 515\) \*\*indicator \(ICSMA-25-030-01\)\*\* via proxy 10\.1\.1\.5:3128 \|/,
    );
    expect(md).not.toContain('directly');
    expect(breachHtml(breach, meta)).toContain('<br>via proxy 10.1.1.5:3128</td>');
  });

  it('the same monitor also sends directly: one destination, direct and the proxy', async () => {
    const { breach } = await breachOf('mixed.pcap', (sim) => {
      tcpTalk(sim, T0 + 1e6, MON, INDICATOR, 515, [[oru('CMS8000'), null]]);
      tcpTalk(sim, T0 + 5e6, MON, proxy, 3128, [
        [connect('202.114.4.120:515'), established],
        [oru('CMS8000'), null],
      ]);
    });
    expect(breach.destinations.map((d) => [d.ip, d.port, d.messages, d.proxies, d.direct])).toEqual([
      ['202.114.4.120', 515, 2, ['10.1.1.5:3128'], true],
    ]);
    expect(breachMarkdown(breach, meta)).toContain('directly and via proxy 10.1.1.5:3128');
  });

  it('two proxies to one destination (HTTP CONNECT and SOCKS5) are both listed, sorted; a direct-only destination lists none', async () => {
    const other = outside('203.0.113.77');
    const { breach } = await breachOf('two-proxies.pcap', (sim) => {
      tcpTalk(sim, T0 + 1e6, MON, socks, 1080, [
        [socks5Greeting([0]), socks5Choice(0)],
        [socks5Request(1, '202.114.4.120', 515), socks5Reply(0, '10.1.1.6', 40100)],
        [oru('CMS8000'), null],
      ]);
      tcpTalk(sim, T0 + 3e6, MON, proxy, 3128, [
        [connect('202.114.4.120:515'), established],
        [oru('CMS8000'), null],
      ]);
      tcpTalk(sim, T0 + 6e6, MON, other, 2575, [[oru('CMS8000'), null]]);
    });
    const rows = Object.fromEntries(breach.destinations.map((d) => [`${d.ip}:${d.port}`, [d.proxies, d.direct]]));
    expect(rows).toEqual({
      '202.114.4.120:515': [['10.1.1.5:3128', '10.1.1.6:1080'], false],
      '203.0.113.77:2575': [[], true],
    });
    const md = breachMarkdown(breach, meta);
    expect(md).toContain('via proxies 10.1.1.5:3128, 10.1.1.6:1080');
    // the direct-only destination's row says nothing about proxies
    expect(md.split('\n').find((l) => l.startsWith('| 203.0.113.77:2575'))).not.toContain('via');
  });
});
