import type { AlertListQuery, AlertState } from '@contract/api';
import { ALERT_STATES } from '@contract/api';
import { SEVERITIES, type Severity } from '@contract/records';
import { useState } from 'react';
import { Query } from '../../components/Status';
import { useAlerts } from './api';
import { AlertsTable } from './AlertsTable';
import { SensorFilter, useSensorParam } from '../../components/SensorFilter';

const RULES = [
  'egress.ioc',
  'egress.no-dns',
  'phi.cleartext',
  'rpc.outbound-nfs',
  'device.vulnerable',
  'service.insecure',
  'policy.violation',
  'egress.beacon',
  'device.new',
  'inbound.outside',
  'device.tls-change',
  'dns.bypass',
];

export function AlertsPage() {
  const [state, setState] = useState<AlertState | ''>('open');
  const [severity, setSeverity] = useState<Severity | ''>('');
  const [rule, setRule] = useState('');
  const [sensor, setSensor] = useSensorParam();
  const query: Partial<AlertListQuery> = {
    ...(state ? { state } : {}),
    ...(severity ? { severity } : {}),
    ...(rule ? { rule } : {}),
    ...(sensor ? { sensor } : {}),
  };
  const q = useAlerts(query);
  return (
    <>
      <h1>Alerts</h1>
      <fieldset className="toolbar no-print">
        <legend className="sr-only">Filters</legend>
        <label>
          State{' '}
          <select value={state} onChange={(e) => setState(e.target.value as AlertState | '')} aria-label="State">
            <option value="">any</option>
            {ALERT_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity at least{' '}
          <select value={severity} onChange={(e) => setSeverity(e.target.value as Severity | '')} aria-label="Severity">
            <option value="">any</option>
            {[...SEVERITIES].reverse().map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rule{' '}
          <select value={rule} onChange={(e) => setRule(e.target.value)} aria-label="Rule">
            <option value="">any</option>
            {RULES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <SensorFilter value={sensor} onChange={setSensor} />
      </fieldset>
      <Query q={q} what="alerts">
        {(data) => <AlertsTable alerts={data.alerts} testId="alerts-table" />}
      </Query>
    </>
  );
}
