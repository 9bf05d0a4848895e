// The device table memoises `resolve` by address; these pin that every change it reads (a new
// gateway verdict, a strong binding, a role from DHCP) still changes the answer. Each test asks
// again for the very address whose answer was memoised: with the table's `changed()` call
// removed from DeviceState's router verdict, the first test fails (checked once by hand: the
// memo then keeps answering the gateway for 10.30.0.5).
import { describe, expect, it } from 'vitest';
import { DeviceTable } from '../../src/inventory/table.js';
import { siteMatcher } from '../../src/inventory/zones.js';

const GW = '00:08:33:00:00:01';
const HOST = '00:08:33:00:00:21';

describe('DeviceTable.resolve memo', () => {
  it('answers again once the MAC turns out to be a gateway', () => {
    const t = new DeviceTable(siteMatcher());
    const ep = { ip: '10.30.0.5', mac: GW };
    expect(t.resolve(ep)?.id).toBe(GW);
    expect(t.resolve(ep)?.id).toBe(GW); // memoised
    const gw = t.byMac(GW);
    if (gw === undefined) throw new Error('no device');
    for (let i = 0; i < 3; i++) t.sourceIp(gw, `203.0.113.${10 + i}`, 'weak'); // forwards outside addresses
    expect(gw.routerLike).toBe(true);
    expect(t.resolve(ep)?.id).toBe('ip:10.30.0.5'); // the memoised address: now a host behind it
    expect(t.resolve({ ip: '10.30.0.6', mac: GW })?.id).toBe('ip:10.30.0.6');
  });

  it('follows a strong binding made after the first answer', () => {
    const t = new DeviceTable(siteMatcher());
    expect(t.resolve({ ip: '203.0.113.50' })).toBeUndefined(); // outside, no owner
    expect(t.resolve({ ip: '203.0.113.50' })).toBeUndefined(); // memoised
    const host = t.byMac(HOST);
    if (host === undefined) throw new Error('no device');
    t.bind(host, '203.0.113.50', 'strong'); // a host with a public address of its own
    expect(t.resolve({ ip: '203.0.113.50' })?.id).toBe(HOST);
  });

  it('marks a device named as router by a lease after its address was resolved', () => {
    const t = new DeviceTable(siteMatcher());
    const ep = { ip: '10.20.0.1', mac: GW };
    t.resolve(ep);
    expect(t.resolve(ep)?.namedRouter).toBe(false); // memoised
    t.nameRole('10.20.0.1', t.routerIps, () => {}); // the lease names it; no device marked yet
    expect(t.resolve(ep)?.namedRouter).toBe(true); // resolving binds it, which marks the router
  });
});
