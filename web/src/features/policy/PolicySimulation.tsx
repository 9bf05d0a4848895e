// The dry run: a version against the device's recorded flows — what would be blocked, what still
// passes, loud warnings for clinical flows — and the compiled nftables/dnsmasq diff against the
// policy in force.
import type { SimulatedFlow } from '@contract/policy-api';
import { ActionError } from '../../components/Form';
import { endpoint } from '../../lib/format';
import { useSimulate } from './api';

function Flows({ title, flows, testId }: { title: string; flows: SimulatedFlow[]; testId: string }) {
  return (
    <>
      <h3>
        {title} ({flows.length})
      </h3>
      {flows.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <table className="data" data-testid={testId}>
          <thead>
            <tr>
              <th>Dir</th>
              <th>Peer</th>
              <th>Proto</th>
              <th>App</th>
              <th>Flows</th>
              <th>Packets</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {flows.map((f) => (
              <tr key={`${f.direction}|${f.dst}|${f.proto}|${f.port ?? ''}|${f.reason}`}>
                <td>{f.direction}</td>
                <td className="mono">
                  {endpoint(f.dst, f.port)}
                  {f.names?.length ? <span className="muted"> ({f.names.join(', ')})</span> : null}
                </td>
                <td>{f.proto}</td>
                <td>{f.app ?? ''}</td>
                <td>{f.flows}</td>
                <td>{f.packets}</td>
                <td>{f.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Keys for lines that may repeat (a closing brace, the same rule in two tables): the line and its occurrence. */
function keyed(lines: readonly string[]): { key: string; line: string }[] {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const n = (seen.get(line) ?? 0) + 1;
    seen.set(line, n);
    return { key: `${line}#${n}`, line };
  });
}

function Diff({ lines }: { lines: string[] }) {
  if (lines.length === 0) return <p className="muted">no change</p>;
  return (
    <pre className="diff">
      {keyed(lines).map(({ key, line }) => (
        <span key={key} className={line.startsWith('+') ? 'add' : 'del'}>
          {line}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

export function SimulationPanel({ device, version }: { device: string; version: number }) {
  const sim = useSimulate(device);
  const r = sim.data;
  return (
    <section className="panel" data-testid="policy-simulation">
      <h2>Dry run of v{version}</h2>
      <button type="button" className="no-print" disabled={sim.isPending} onClick={() => sim.mutate(version)}>
        {sim.isPending ? 'Simulating…' : 'Simulate against recorded traffic'}
      </button>
      <ActionError error={sim.error} />
      {r ? (
        <>
          {r.warnings.map((w) => (
            <div key={w} className="status error" role="alert">
              <strong>Never break monitoring:</strong> {w}
            </div>
          ))}
          {r.warnings.length === 0 ? <div className="status ok">No clinical flow would be blocked.</div> : null}
          <Flows title="Would be blocked" flows={r.blocked} testId="sim-blocked" />
          <Flows title="Still passes" flows={r.allowed} testId="sim-allowed" />
          <h3>
            nftables diff {r.against !== undefined ? `against v${r.against} in force` : 'against nothing applied'}
          </h3>
          <Diff lines={r.nftables.diff} />
          <h3>dnsmasq diff</h3>
          <Diff lines={r.dnsmasq.diff} />
          {r.compileWarnings.length > 0 ? (
            <ul className="muted">
              {r.compileWarnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          ) : null}
          <details>
            <summary>Compiled nftables ruleset</summary>
            <pre className="diff">{r.nftables.text}</pre>
          </details>
        </>
      ) : null}
    </section>
  );
}
