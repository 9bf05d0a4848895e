// Printers and UPSs classed from behaviour alone (issue 19): print ports answered, UPS-MIB agents
// and traps; a host with neither stays what it was. Fictional ward 10.20.0.0/24; MACs under
// 00:08:33 have no registry entry, so no catalog model is matched by OUI.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/config/catalog.js';
import type { SnmpMessage } from '../../src/events.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { ep, feed, flow, T0 } from './events.js';

const catalog = loadCatalog();
const mac = (n: number) => `00:08:33:00:01:${n.toString(16).padStart(2, '0')}`;
const PC = ep('10.20.0.30', 50000, mac(0x30));

function snmp(
  flowId: number,
  src: ReturnType<typeof ep>,
  dst: ReturnType<typeof ep>,
  over: Partial<SnmpMessage>,
): SnmpMessage {
  return { type: 'snmp-message', ts: T0 + 1000, flowId, src, dst, version: 'v2c', pdu: 'response', ...over };
}

describe('printer and UPS classes without a catalog model', () => {
  it('a host answering raw printing (9100) and IPP (631) is a printer, with the ports as its reason', () => {
    const inv = new Inventory({ catalog });
    const printerAt = (port: number) => ep('10.20.0.40', port, mac(0x40));
    for (const port of [9100, 631]) {
      const f = flow(PC, printerAt(port));
      feed(inv, [f.start, f.end]);
    }
    const r = inv.device(mac(0x40))!;
    expect(r.class).toBe('printer');
    expect(r.reasons![0]).toBe('accepts print jobs on tcp/9100 (JetDirect raw printing), tcp/631 (IPP)');
    expect(r.model).toBeUndefined();
  });

  it('a UPS-MIB agent that sends upsTrapOnBattery is a UPS; an ordinary agent is not', () => {
    const inv = new Inventory({ catalog });
    const upsAt = (port: number) => ep('10.20.0.50', port, mac(0x50));
    const switchAt = (port: number) => ep('10.20.0.51', port, mac(0x51));
    const poll = flow(PC, upsAt(161), { proto: 'udp' });
    const trap = flow(upsAt(40000), ep('10.20.0.30', 162, mac(0x30)), { proto: 'udp' });
    const other = flow(PC, switchAt(161), { proto: 'udp' });
    feed(inv, [
      poll.start,
      snmp(poll.flowId, upsAt(161), PC, {
        sysObjectId: '1.3.6.1.2.1.33',
        sysDescr: 'Network card 7.1',
        community: 'public',
      }),
      poll.end,
      trap.start,
      snmp(trap.flowId, upsAt(40000), ep('10.20.0.30', 162), { pdu: 'trap', trapOid: '1.3.6.1.2.1.33.2.1' }),
      trap.end,
      other.start,
      snmp(other.flowId, switchAt(161), PC, { sysObjectId: '1.3.6.1.4.1.8072.3.2.10', sysDescr: 'Linux gw 5.10' }),
      other.end,
    ]);
    const ups = inv.device(mac(0x50))!;
    expect(ups.class).toBe('ups');
    expect(ups.reasons).toEqual([
      'SNMP sysObjectID 1.3.6.1.2.1.33 is in the UPS MIB (RFC 1628)',
      'sends UPS traps: 1.3.6.1.2.1.33.2.1',
    ]);
    expect(ups.identities?.snmp).toMatchObject({ traps: 1, trapOids: ['1.3.6.1.2.1.33.2.1'], communities: ['public'] });
    const sw = inv.device(mac(0x51))!;
    expect(sw.class).not.toBe('ups');
    expect(sw.class).not.toBe('printer');
    expect(sw.identities?.snmp?.traps).toBeUndefined();
  });
});
