// MUD (RFC 8520): a device policy exported and imported again is the same policy; the older
// access-lists key and [] for [null] are accepted; what MUD cannot say is a warning.
import { describe, expect, it } from 'vitest';
import { DevicePolicy } from '../../src/contract/policy.js';
import { exportMud, importMud } from '../../src/policy/mud/mud.js';

const pump = DevicePolicy.parse({
  name: 'pump',
  match: { mac: '02:57:40:00:00:01' },
  mode: 'enforce',
  allow: [
    { direction: 'out', peer: 'update.infusion-vendor.example', proto: 'tcp', port: 443 },
    { direction: 'out', peer: '10.40.12.1', proto: 'udp', port: 53 },
    { direction: 'out', peer: '10.40.12.0/24', proto: 'udp', port: 123 },
    { direction: 'in', peer: '10.40.12.9', proto: 'tcp', port: 22 },
  ],
  deny: [{ direction: 'out', peer: '203.0.113.119', proto: 'any' }],
});

describe('MUD', () => {
  const mud = exportMud(pump, {
    url: 'https://mud.example/pump.json',
    systeminfo: 'pump',
    lastUpdate: '2025-01-30T00:00:00Z',
  });

  it('exports ietf-mud and ietf-access-control-list with dst-dnsname and direction-initiated', () => {
    const m = mud['ietf-mud:mud'];
    expect(m['mud-url']).toBe('https://mud.example/pump.json');
    const acls = mud['ietf-access-control-list:acls']!.acl;
    const from = acls.find((a) => a.name === m['from-device-policy']!['access-lists']['access-list'][0]!.name)!;
    expect(from.aces.ace).toContainEqual({
      name: 'from1',
      matches: {
        ipv4: { protocol: 6, 'ietf-acldns:dst-dnsname': 'update.infusion-vendor.example' },
        tcp: { 'destination-port': { operator: 'eq', port: 443 }, 'ietf-mud:direction-initiated': 'from-device' },
      },
      actions: { forwarding: 'accept' },
    });
    expect(from.aces.ace[0]).toMatchObject({
      matches: { ipv4: { 'destination-ipv4-network': '203.0.113.119/32' } },
      actions: { forwarding: 'drop' },
    });
  });

  it('round-trips: import(export(p)) is p', () => {
    const back = importMud(JSON.parse(JSON.stringify(mud)), pump.match);
    expect(back.warnings).toEqual([]);
    expect(back.policy.allow).toEqual(pump.allow);
    expect(back.policy.deny).toEqual([{ ...pump.deny[0], reason: 'MUD drop' }]);
    expect(back.policy.mode).toBe('enforce');
    const local = exportMud({ ...pump, mode: 'local-only', allow: [], deny: [] }, { url: 'u' });
    expect(importMud(local, pump.match).policy.mode).toBe('local-only');
  });

  it('accepts the older access-lists key, [] for [null], and warns about controllers', () => {
    const old = {
      'ietf-mud:mud': {
        'mud-url': 'https://x/y',
        'from-device-policy': { 'access-lists': { 'access-list': [{ name: 'f' }] } },
      },
      'ietf-access-control-list:access-lists': {
        acl: [
          {
            name: 'f',
            aces: {
              ace: [
                { name: 'l', matches: { 'ietf-mud:mud': { 'local-networks': [] } }, actions: { forwarding: 'accept' } },
                {
                  name: 'c',
                  matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:ntp' } },
                  actions: { forwarding: 'accept' },
                },
              ],
            },
          },
        ],
      },
    };
    const r = importMud(old, { model: 'X' });
    expect(r.policy.mode).toBe('local-only');
    expect(r.warnings).toEqual([
      "ACE c: controller classes have no address here; add the controller's address as a rule",
    ]);
  });

  it('rejects what is not a MUD file, naming the field', () => {
    expect(() => importMud({ foo: 1 }, { model: 'X' })).toThrow(/not a MUD file: ietf-mud:mud/);
  });
});
