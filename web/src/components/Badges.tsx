import type { Severity } from '@contract/records';

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`sev sev-${severity}`}>{severity}</span>;
}

/** Risk 0–100 as a bar and a number; the number is what prints. */
export function RiskBar({ risk }: { risk: number }) {
  const level = risk >= 80 ? 'critical' : risk >= 50 ? 'high' : risk >= 20 ? 'medium' : 'low';
  return (
    <span className={`risk risk-${level}`} title={`risk ${risk} of 100`}>
      <span className="risk-bar">
        <span className="risk-fill" style={{ width: `${Math.max(2, Math.min(100, risk))}%` }} />
      </span>
      <span className="risk-num">{risk}</span>
    </span>
  );
}
