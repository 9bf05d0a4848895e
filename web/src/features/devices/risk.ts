// The console's ranking of devices ("risk", 0–100): the worst open alert weighs most, then the
// advisories its model carries, then how many alerts are open. Only for sorting and at-a-glance
// bars; the alerts themselves are the evidence.
import type { DeviceListItem } from '@contract/api';
import type { Severity } from '@contract/records';

const WEIGHT: Record<Severity, number> = { critical: 60, high: 40, medium: 20, low: 8, info: 2 };

export function riskOf(d: Pick<DeviceListItem, 'worstSeverity' | 'advisories' | 'openAlerts'>): number {
  const worst = d.worstSeverity ? WEIGHT[d.worstSeverity] : 0;
  const adv = Math.min(2, d.advisories.length) * 12;
  const count = Math.min(16, d.openAlerts * 2);
  return Math.min(100, worst + adv + count);
}

export const RISK_EXPLAINED =
  'risk 0–100: worst open alert (critical 60, high 40, medium 20, low 8) + 12 per advisory (up to 2) + 2 per open alert (up to 16)';
