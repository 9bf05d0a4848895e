// What lies behind a proxy peer of a proposal (ProposalEntry.proxied, src/policy/learn-proxied.ts):
// the destinations the device asked the proxy for, with their requests, whether the proxy refused
// them, and the rules whose alerts named them. The rule above it names only the proxy — what the
// firewall sees — so allowing the proxy allows all of these.
import type { ProxiedDestination } from '@contract/policy-api';

const hostPort = (d: ProxiedDestination) => {
  const h = d.host.includes(':') ? `[${d.host}]` : d.host;
  return d.port === undefined ? h : `${h}:${d.port}`;
};

export function ProxiedList({ list }: { list: readonly ProxiedDestination[] }) {
  return (
    <div className="proxied" data-testid="proposal-proxied">
      <div className="muted">
        Behind this proxy ({list.length} destination{list.length === 1 ? '' : 's'}; the rule names only the proxy):
      </div>
      <table className="data compact">
        <thead>
          <tr>
            <th>Destination</th>
            <th>Requests</th>
            <th>Refused</th>
            <th>Alerts</th>
          </tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr
              key={`${d.host}|${d.port ?? ''}`}
              data-testid="proposal-proxied-destination"
              className={d.alerts !== undefined ? 'outside' : undefined}
            >
              <td className="mono">{hostPort(d)}</td>
              <td>{d.requests}</td>
              <td>{d.refused ? <span className="tag">refused</span> : <span className="muted">—</span>}</td>
              <td>
                {d.alerts !== undefined ? (
                  d.alerts.map((a) => (
                    <span key={a} className="tag outside">
                      {a}
                    </span>
                  ))
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
