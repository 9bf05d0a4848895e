// The overview's first line, the question the console exists to answer: which device sends which
// patients' data where. One sentence per outside destination of the breach report, e.g.
// "2 patient monitors sent 2 patients' data to 202.114.4.120:515 (indicator, ICSMA-25-030-01)".
import type { Alert, DeviceListItem } from '@contract/api';
import type { BreachReport } from '@contract/breach';
import { className, endpoint, plural } from '../../lib/format';

export type Headline = {
  devices: string; // "2 patient monitors"
  deviceIds: string[];
  patients: string; // "2 patients'"
  where: string; // "202.114.4.120:515"
  tags: string[]; // "indicator", "ICSMA-25-030-01", "never looked up in DNS"
  notify: boolean;
};

export function headlines(breach: BreachReport, devices: DeviceListItem[], alerts: Alert[]): Headline[] {
  const byId = new Map(devices.map((d) => [d.id, d]));
  return breach.destinations.map((dest) => {
    const classes = new Set(dest.devices.map((id) => byId.get(id)?.class ?? 'unknown'));
    const kind = classes.size === 1 ? className([...classes][0]) : 'device';
    const kindWord = kind === 'unknown' ? 'device' : kind;
    const n = dest.devices.length;
    const tags: string[] = [];
    const here = alerts.filter((a) => a.dst.ip === dest.ip || a.src.ip === dest.ip);
    const ioc = here.filter((a) => a.rule === 'egress.ioc');
    if (ioc.length > 0) tags.push('indicator');
    for (const a of ioc) {
      const src = a.evidence.source;
      if (typeof src === 'string' && !tags.includes(src)) tags.push(src);
    }
    if (here.some((a) => a.rule === 'egress.no-dns')) tags.push('never looked up in DNS');
    // With no indicator behind the address, the devices' advisories say why to look (the alert ids stay on the alerts page).
    if (ioc.length === 0) {
      for (const id of dest.devices) {
        for (const adv of byId.get(id)?.advisories ?? []) if (!tags.includes(adv)) tags.push(adv);
      }
    }
    return {
      devices: plural(n, kindWord),
      deviceIds: dest.devices,
      patients: dest.patients === 1 ? "1 patient's" : `${dest.patients} patients'`,
      where: `${endpoint(dest.ip, dest.port)}`,
      tags,
      notify: dest.notify,
    };
  });
}
