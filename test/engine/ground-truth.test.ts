// End to end over every shared capture: reader → decoders → flow engine → events, compared
// with what tshark 4.0.17 decodes (../shared/testdata/ground-truth.json). Where wardwatch
// rightly differs from tshark, the case says why.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/reader.js';
import type { CaptureInfo } from '../../src/capture/types.js';
import type { WardEvent } from '../../src/events.js';
import { FlowEngine } from '../../src/flow/engine.js';
import { CAPTURES_DIR, GROUND_TRUTH } from '../helpers/paths.js';

interface Truth {
  packets: number;
  format: string;
  link: string;
  tcp_conversations?: number;
  udp_conversations?: number;
  dns_queries?: string[];
  dns_a?: string[];
  dns_aaaa?: string[];
  dns_cname?: string[];
  dhcp_hostnames?: string[];
  dhcp_vendor_class?: string[];
  dhcp_client_macs?: string[];
  tls_sni?: string[];
  tls_alpn?: string[];
  http_hosts?: string[];
  http_requests?: number;
  http_user_agents?: string[];
  mount_paths?: string[];
  rpc_programs?: string[];
  nfs_calls?: number;
  ftp_banners?: string[];
  arp_packets?: number;
  vlan_ids?: string[];
}

const truth = JSON.parse(readFileSync(GROUND_TRUTH, 'utf8')) as Record<string, Truth>;
const LINK: Record<string, number[]> = {
  ether: [1],
  'linux-sll': [113],
  'linux-sll2': [276],
  rawip4: [101, 228, 12, 14],
};

async function run(name: string): Promise<{ info: CaptureInfo; events: WardEvent[]; engine: FlowEngine }> {
  const events: WardEvent[] = [];
  const engine = new FlowEngine((ev) => events.push(ev), { hashPatientId: (s) => `h(${s.length})` });
  const info = await readCapture(`${CAPTURES_DIR}/${name}`, (p) => engine.packet(p));
  engine.finish();
  return { info, events, engine };
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());

describe('shared captures end to end (tshark ground truth)', () => {
  const names = readdirSync(CAPTURES_DIR)
    .filter((n) => /\.pcap(ng)?$/.test(n))
    .sort();

  it('covers every capture listed in ground-truth.json', () => {
    expect(names.sort()).toEqual(Object.keys(truth).sort());
  });

  for (const name of names) {
    it(name, async () => {
      const t = truth[name]!;
      const { info, events, engine } = await run(name);
      expect(info.packets).toBe(t.packets);
      expect(info.damaged).toBe(false);
      expect(info.format).toBe(t.format);
      for (const lt of info.linktypes) expect(LINK[t.link]).toContain(lt);
      // tshark's "conversations" are distinct 5-tuples; ours are flows. None of these captures
      // reuses a 5-tuple after a close, so the counts agree.
      expect(engine.stats.flowsByProto.tcp).toBe(t.tcp_conversations ?? 0);
      expect(engine.stats.flowsByProto.udp).toBe(t.udp_conversations ?? 0);

      const of = <T extends WardEvent['type']>(type: T) =>
        events.filter((e): e is Extract<WardEvent, { type: T }> => e.type === type);
      // tshark's dns.a/dns.aaaa cover every section; ours split answers from authority/additional.
      const answers = of('dns-answer').flatMap((e) => [...e.answers, ...(e.extra ?? [])]);
      const queries = uniq([...of('dns-query'), ...of('dns-answer')].map((e) => e.query).filter((q) => q !== ''));
      if (t.dns_queries) expect(lower(queries).sort()).toEqual(lower(t.dns_queries).sort());
      if (t.dns_a)
        expect(uniq(answers.filter((a) => a.type === 'A').map((a) => a.data)).sort()).toEqual([...t.dns_a].sort());
      if (t.dns_aaaa)
        expect(uniq(answers.filter((a) => a.type === 'AAAA').map((a) => a.data)).sort()).toEqual(
          [...t.dns_aaaa].sort(),
        );
      if (t.dns_cname) {
        // DNS names are case-insensitive; tshark prints them as sent, we compare folded.
        expect(lower(uniq(answers.filter((a) => a.type === 'CNAME').map((a) => a.data))).sort()).toEqual(
          lower(t.dns_cname).sort(),
        );
      }

      const leases = of('dhcp-lease');
      if (t.dhcp_hostnames)
        expect(uniq(leases.flatMap((l) => (l.hostname ? [l.hostname] : [])))).toEqual(t.dhcp_hostnames);
      if (t.dhcp_vendor_class)
        expect(uniq(leases.flatMap((l) => (l.vendorClass ? [l.vendorClass] : [])))).toEqual(t.dhcp_vendor_class);
      if (t.dhcp_client_macs) expect(uniq(leases.map((l) => l.clientMac))).toEqual(t.dhcp_client_macs);

      const hellos = of('tls-hello');
      if (t.tls_sni) expect(uniq(hellos.flatMap((h) => (h.sni ? [h.sni] : [])))).toEqual(t.tls_sni);
      if (t.tls_alpn) expect(uniq(hellos.flatMap((h) => h.alpn ?? []))).toEqual(t.tls_alpn);

      const reqs = of('http-request');
      if (t.http_requests !== undefined) expect(reqs.length).toBe(t.http_requests);
      if (t.http_hosts)
        expect(uniq(reqs.flatMap((r) => (r.host ? [r.host] : []))).sort()).toEqual([...t.http_hosts].sort());
      if (t.http_user_agents)
        expect(uniq(reqs.flatMap((r) => (r.userAgent ? [r.userAgent] : [])))).toEqual(t.http_user_agents);

      const calls = of('rpc-call');
      if (t.mount_paths) {
        expect(uniq(calls.filter((c) => c.prog === 100005 && c.path !== undefined).map((c) => c.path!))).toEqual(
          t.mount_paths,
        );
      }
      if (t.rpc_programs) {
        // tshark lists programs it saw in calls and in portmapper arguments; we list called programs
        // plus those asked about in GETPORT (lookupProg).
        const progs = uniq(calls.flatMap((c) => [String(c.prog), ...(c.lookupProg ? [String(c.lookupProg)] : [])]));
        for (const p of t.rpc_programs) expect(progs).toContain(p);
      }
      if (t.nfs_calls !== undefined) {
        // tshark counts frames holding an NFS call; in rpc-nfs-write.pcap frame 67 carries two calls
        // (xids 0x72de017b and 0x73de017b) in one TCP segment, and we count calls.
        const extra = name === 'rpc-nfs-write.pcap' ? 1 : 0;
        expect(calls.filter((c) => c.prog === 100003).length).toBe(t.nfs_calls + extra);
      }
      if (t.ftp_banners) {
        expect(
          uniq(
            of('service-banner')
              .filter((b) => b.service === 'ftp')
              .map((b) => b.banner),
          ),
        ).toEqual(t.ftp_banners);
      }
      if (t.arp_packets !== undefined) expect(of('arp').length).toBe(t.arp_packets);
      if (t.vlan_ids) expect(uniq(of('flow-start').map((f) => String(f.vlan)))).toEqual(t.vlan_ids);
    });
  }

  it('finds telnet by content on port 21 (rawip-telnet-port21): content first, port second', async () => {
    const { events } = await run('rawip-telnet-port21.pcap');
    const banners = events.filter((e) => e.type === 'service-banner');
    expect(banners.map((b) => (b.type === 'service-banner' ? b.service : ''))).toContain('telnet');
  });

  it('reassembles the fragmented DNS answers over IPv6', async () => {
    const { events, engine } = await run('ipv6-fragmented-dns.pcap');
    expect(events.filter((e) => e.type === 'dns-answer').length).toBeGreaterThan(0);
    expect(engine.stats.anomalies['ipfrag.timeout'] ?? 0).toBe(0);
  });
});
