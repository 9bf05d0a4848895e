// `policy learn` behind a proxy: a monitor whose traffic goes through the ward's web proxy gets the
// proxy as its only learned peer (what the firewall sees) — denied when an alerting destination
// (the CMS8000 copy to the indicator) was reached through it — and the proposal entry lists what lies
// behind it (`proxied`, bounded, each destination an alert fired for marked), its rule's note says
// so. The capture is written with our writer and read through the whole pipeline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { ProposalEntry } from '../../src/contract/policy-api.js';
import { PolicyFile } from '../../src/contract/policy.js';
import { learnFromCaptures } from '../../src/engine/policy.js';
import type { FlowEnd } from '../../src/events.js';
import { type LearnResult, learn } from '../../src/policy/learn.js';
import { FlowObserver, MAX_PROXIED } from '../../src/policy/observe.js';
import { at, device, MON as MON_EV, PROXY, proxyReq } from '../detect/helpers.js';
import {
  CONNECT_OK,
  connectRequest,
  hello,
  MON,
  T0,
  tcpTalk,
  WEB_PROXY,
  writeProxiedWard,
  writeSim,
} from '../detect/wire-captures.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-learn-proxy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let learnt: LearnResult;
beforeAll(async () => {
  const file = writeProxiedWard(dir, 'ward.pcap');
  const config = parseConfig('dns: {warmupSeconds: 0}\n', 'test.yaml');
  learnt = await learnFromCaptures([file], { salt: '00'.repeat(32), config });
}, 60_000);

describe('policy learn through a proxy', () => {
  it('the proxy is the only learned peer, denied because the device sent patient data to an indicator through it; the entry lists the destinations behind it', () => {
    const p = learnt.policy.devices.find((d) => d.match.ip === '10.1.1.10')!;
    // never allow what carried the backdoor's copy: the device's flows to the proxy raised the alerts
    expect(p.allow).toEqual([]);
    expect(p.deny.map((r) => [r.peer, r.proto, r.reason])).toEqual([
      ['10.1.1.5', 'any', 'raised egress.ioc, egress.no-dns, phi.cleartext'],
    ]);
    // no rule names what lies behind the proxy: the firewall never sees those addresses
    expect(p.deny.map((r) => r.peer)).not.toContain('202.114.4.120');
    const e = learnt.devices.find((d) => d.ip === '10.1.1.10')!.entries;
    expect(e).toHaveLength(1);
    expect(e[0]!.flows).toBe(4);
    expect(e[0]!.proxied).toEqual([
      { host: '202.114.4.120', port: 515, requests: 1, alerts: ['egress.ioc', 'egress.no-dns', 'phi.cleartext'] },
      { host: 'updates.vendor.example', port: 443, requests: 2 },
      { host: 'vendor-debug.example', port: 8443, requests: 1, refused: true },
    ]);
    // the console's contract carries it unchanged
    expect(ProposalEntry.parse(e[0]).proxied).toEqual(e[0]!.proxied);
  });

  it("the rule's note says what is behind the proxy, and the proposal is still a valid policy file", () => {
    const rule = learnt.policy.devices.find((d) => d.match.ip === '10.1.1.10')!.deny[0]!;
    expect(rule.note).toBe(
      'a proxy: 3 destinations seen behind it, not in this rule (the firewall sees only the proxy): ' +
        '202.114.4.120:515 (alerts: egress.ioc, egress.no-dns, phi.cleartext), updates.vendor.example:443, ' +
        'vendor-debug.example:8443 (refused)',
    );
    expect(() => PolicyFile.parse(learnt.policy)).not.toThrow();
  });
});

describe('an indicator name asked of a proxy', () => {
  it('the alert names the proxy (it resolves the name), so the proxy is proposed as deny; the entry still says what was behind it', async () => {
    const file = writeSim(dir, 'name.pcap', (sim) => {
      tcpTalk(sim, T0 + 1e6, MON, WEB_PROXY, 3128, [
        [connectRequest('c2.evil.example:443'), CONNECT_OK],
        [hello('c2.evil.example'), null],
      ]);
    });
    const config = parseConfig(
      'dns: {warmupSeconds: 0}\nindicators:\n  - {domain: evil.example, note: test, source: unit}\n',
      'test.yaml',
    );
    const r = await learnFromCaptures([file], { salt: '00'.repeat(32), config });
    const p = r.policy.devices.find((d) => d.match.ip === '10.1.1.10')!;
    expect(p.allow).toEqual([]);
    expect(p.deny.map((x) => [x.peer, x.reason])).toEqual([['10.1.1.5', 'raised egress.ioc']]);
    expect(p.deny[0]!.note).toBe(
      'a proxy: 1 destination seen behind it, not in this rule (the firewall sees only the proxy): ' +
        'c2.evil.example:443 (alerts: egress.ioc)',
    );
    const e = r.devices.find((d) => d.ip === '10.1.1.10')!.entries[0]!;
    expect(e.proxied).toEqual([{ host: 'c2.evil.example', port: 443, requests: 1, alerts: ['egress.ioc'] }]);
  });
});

describe('what lies behind a proxy is bounded', () => {
  it(`${MAX_PROXIED} destinations are listed, the requests for the others counted in the note`, () => {
    const obs = new FlowObserver((ip) => ip.startsWith('10.'));
    for (let i = 0; i < MAX_PROXIED + 4; i++) obs.onEvent(proxyReq(i, MON_EV, `203.0.113.${i + 1}:443`));
    obs.onEvent(proxyReq(30, MON_EV, '203.0.113.1:443')); // a listed one again
    const end: FlowEnd = {
      type: 'flow-end',
      ts: at(40),
      flowId: 9999,
      src: { ...MON_EV, port: 45000 },
      dst: PROXY,
      proto: 'tcp',
      first: at(0),
      last: at(40),
      packets: [30, 30],
      bytes: [3000, 3000],
      app: 'http',
      reason: 'fin',
    };
    obs.onEvent(end);
    // the proxy is a site host too: its inbound side is a flow of its own, with nothing behind it
    const all = obs.flows();
    expect(all.map((f) => [f.ip, f.direction, f.proxied?.length])).toEqual([
      ['10.1.1.10', 'out', MAX_PROXIED],
      ['10.1.1.5', 'in', undefined],
    ]);
    const flows = all.filter((f) => f.ip === MON_EV.ip);
    expect(flows[0]!.proxied).toHaveLength(MAX_PROXIED);
    expect(flows[0]!.proxied?.[0]).toEqual({ host: '203.0.113.1', port: 443, requests: 2, refused: false });
    expect(flows[0]!.proxiedMore).toBe(4);
    const r = learn({
      flows,
      alerts: [],
      devices: [device(MON_EV.mac, MON_EV.ip)],
      isSite: (ip) => ip.startsWith('10.'),
    });
    const entry = r.devices[0]!.entries[0]!;
    expect(entry.proxied).toHaveLength(MAX_PROXIED);
    expect(entry.rule.note).toContain(`a proxy: ${MAX_PROXIED} destinations seen behind it`);
    expect(entry.rule.note).toContain(', +12 more, and 4 more requests not listed');
    expect(ProposalEntry.safeParse(entry).success).toBe(true);
  });

  it('no proxy requests: no `proxied`, the note as before', () => {
    const obs = new FlowObserver((ip) => ip.startsWith('10.'));
    obs.onEvent({
      type: 'flow-end',
      ts: at(5),
      flowId: 1,
      src: { ...MON_EV, port: 45001 },
      dst: { ip: '10.1.1.2', port: 2575 },
      proto: 'tcp',
      first: at(0),
      last: at(5),
      packets: [3, 3],
      bytes: [300, 300],
      app: 'hl7',
      reason: 'fin',
    });
    const r = learn({
      flows: obs.flows(),
      alerts: [],
      devices: [device(MON_EV.mac, MON_EV.ip)],
      isSite: (ip) => ip.startsWith('10.'),
    });
    expect(r.devices[0]!.entries).toEqual([
      {
        decision: 'allow',
        rule: {
          direction: 'out',
          proto: 'tcp',
          port: 2575,
          peer: '10.1.1.2',
          note: 'clinical: HL7 to its central station',
        },
        flows: 1,
        packets: 6,
        reason: 'clinical: HL7 to its central station',
      },
    ]);
  });
});
