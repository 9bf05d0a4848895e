// `report --format json`: the BreachReport contract, validated on the way out.
import { BreachReport } from '../../contract/breach.js';

export function breachJson(report: BreachReport): string {
  return `${JSON.stringify(BreachReport.parse(report), null, 2)}\n`;
}
