// A device's value sets are made on their first write: 20 000 devices of a spoofed-source flood
// each held 31 empty set objects before. Reads (the record, the detail page) never make one.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/config/catalog.js';
import { DeviceState, DS, PEER_LIMIT } from '../../src/inventory/device.js';
import { deviceDetail, deviceRecord } from '../../src/inventory/view.js';

/** The sets a device has made so far (a private field: what this test is about). */
function made(d: DeviceState): number {
  const sets = (d as unknown as { sets: unknown[] | undefined }).sets;
  return sets === undefined ? 0 : sets.filter((s) => s !== undefined).length;
}

describe('device value sets', () => {
  const catalog = loadCatalog();

  it('a device seen in a packet holds none; building its record and detail makes none', () => {
    const d = new DeviceState('02:00:00:00:00:01', '02:00:00:00:00:01');
    d.setIp('10.40.12.7', 'strong');
    d.touch(1e6);
    expect(deviceRecord(d, catalog).ips).toEqual(['10.40.12.7']);
    deviceDetail(d, catalog);
    expect(made(d)).toBe(0);
    expect(d.hl7Apps.total).toBe(0);
    expect(d.peersOutside.values()).toEqual([]);
    expect(d.remote.size).toBe(0);
    expect(made(d)).toBe(0);
  });

  it('a write makes that set alone, with its own limit, and the named read sees it', () => {
    const d = new DeviceState('m', 'm');
    for (let i = 0; i < 10; i++) d.edit(DS.userAgents).add(`agent-${i}`); // limit 8
    expect(made(d)).toBe(1);
    expect(d.userAgents.values()).toHaveLength(8);
    expect(d.userAgents.beyond).toBe(2);
    expect(d.userAgents.has('agent-0')).toBe(true);
    for (let i = 0; i < PEER_LIMIT + 1; i++) d.edit(DS.peersOutside).add(`203.0.113.${i}`);
    expect(d.peersOutside.values()).toHaveLength(PEER_LIMIT);
    expect(made(d)).toBe(2);
    expect(d.hl7Apps.total).toBe(0);
  });

  it('deleting from a set never written makes none', () => {
    const d = new DeviceState('m', 'm');
    d.deleteFronted('203.0.113.9');
    expect(made(d)).toBe(0);
    d.addFronted('203.0.113.9');
    d.deleteFronted('203.0.113.9');
    expect([made(d), d.fronted4.total]).toEqual([1, 0]);
  });

  it('the empty set every unwritten read returns cannot be written through a cast', () => {
    const d = new DeviceState('m', 'm');
    const empty = d.dnsNames as unknown as { add(v: string): boolean };
    expect(() => empty.add('pump.vendor.example')).toThrow(TypeError);
    expect(new DeviceState('n', 'n').dnsNames.total).toBe(0);
  });

  it('every set has a number and a getter', () => {
    const d = new DeviceState('m', 'm');
    for (const [name, i] of Object.entries(DS)) {
      d.edit(i).add(`v-${name}`);
      expect((d as unknown as Record<string, { has(v: string): boolean }>)[name]!.has(`v-${name}`), name).toBe(true);
    }
    expect(made(d)).toBe(Object.keys(DS).length);
  });
});
