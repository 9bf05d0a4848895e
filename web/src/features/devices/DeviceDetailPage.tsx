import type { DeviceDetail, FirmwareAudit, Peer } from '@contract/api';
import type { DeviceTlsServer } from '@contract/records';
import { createColumnHelper } from '@tanstack/react-table';
import { Link, useParams } from 'react-router';
import { SeverityBadge } from '../../components/Badges';
import { DataTable } from '../../components/DataTable';
import { sensorSearch } from '../../components/SensorFilter';
import { ErrorBox, Loading, Query } from '../../components/Status';
import { bytes, className, endpoint, when } from '../../lib/format';
import { useAlerts } from '../alerts/api';
import { AlertsTable } from '../alerts/AlertsTable';
import { useFirmware } from '../firmware/api';
import { useDevice } from './api';
import { deviceLabel, macWord, splitDeviceId } from './DeviceName';
import { PeerMap } from './PeerMap';
import { TrafficChart } from './TrafficChart';

export function DeviceDetailPage() {
  const { id = '' } = useParams();
  const q = useDevice(id);
  return (
    <Query q={q} what="the device">
      {(d) => <Detail device={d} />}
    </Query>
  );
}

function Detail({ device: d }: { device: DeviceDetail }) {
  const label = deviceLabel(d);
  const { mac, sensor: remote } = splitDeviceId(d.id, d.sensor);
  const alerts = useAlerts({ device: d.id });
  return (
    <>
      <p className="no-print">
        <Link to="/devices">← Devices</Link>
      </p>
      <h1 data-testid="device-title">{label}</h1>
      <div className="grid three">
        <section className="panel">
          <h2>Identity</h2>
          <dl className="kv">
            <dt>Class</dt>
            <dd>
              {className(d.class)}
              {d.confidence !== undefined ? <span className="muted"> ({Math.round(d.confidence * 100)}%)</span> : null}
            </dd>
            <dt>Model</dt>
            <dd>{d.model ?? '—'}</dd>
            <dt>Hostname</dt>
            <dd>{d.hostname ?? '—'}</dd>
            <dt>Vendor</dt>
            <dd>{d.vendor ?? '—'}</dd>
            <dt>{macWord(mac)}</dt>
            <dd className="mono" data-testid="device-mac">
              {mac}
            </dd>
            {remote !== undefined ? (
              <>
                <dt>Sensor</dt>
                <dd data-testid="device-sensor">
                  <Link to={`/devices${sensorSearch(remote)}`}>{remote}</Link>
                </dd>
              </>
            ) : null}
            <dt>Addresses</dt>
            <dd className="mono">{d.addresses.length ? d.addresses.map((a) => a.ip).join(', ') : d.ips.join(', ')}</dd>
            <dt>Seen</dt>
            <dd>
              {when(d.first)} – {when(d.last)}
            </dd>
            <dt>Traffic</dt>
            <dd>
              {bytes(d.bytes)}, {d.packets} packets
            </dd>
            <dt>Identified by</dt>
            <dd>{d.identifiedBy.join(', ') || '—'}</dd>
          </dl>
          {d.reasons.length ? (
            <ul className="muted">
              {d.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : null}
        </section>
        <section className="panel">
          <h2>Advisories</h2>
          {d.advisoryDetails.length === 0 ? (
            <p className="muted">No advisory applies to this model.</p>
          ) : (
            d.advisoryDetails.map((a) => (
              <div key={a.id} style={{ marginBottom: '0.6rem' }}>
                <span className="tag adv">{a.id}</span> {a.severity ? <SeverityBadge severity={a.severity} /> : null}
                <div>{a.title}</div>
                <div className="muted">{a.cves.join(', ')}</div>
                {a.url ? (
                  <a href={a.url} rel="noreferrer noopener" target="_blank">
                    {a.url}
                  </a>
                ) : null}
              </div>
            ))
          )}
        </section>
        <section className="panel">
          <h2>Protocols</h2>
          <Protocols peers={d.peers} />
        </section>
      </div>
      <section className="panel" style={{ marginTop: '1rem' }}>
        <h2>Peer map</h2>
        {d.peers.length === 0 ? <p className="muted">No peers recorded.</p> : <PeerMap device={d} label={label} />}
      </section>
      <div className="grid two" style={{ marginTop: '1rem' }}>
        <section className="panel">
          <h2>Traffic over time</h2>
          <TrafficChart traffic={d.traffic} bucketSeconds={d.bucketSeconds} />
        </section>
        <section className="panel">
          <h2>DNS names</h2>
          <DnsTable device={d} />
        </section>
      </div>
      <section className="panel" style={{ marginTop: '1rem' }}>
        <h2>TLS</h2>
        <TlsFacts device={d} />
      </section>
      <section className="panel" style={{ marginTop: '1rem' }}>
        <h2>Alerts</h2>
        {alerts.isPending ? (
          <Loading what="alerts" />
        ) : alerts.error ? (
          <ErrorBox error={alerts.error} what="alerts" retry={() => alerts.refetch()} />
        ) : (
          <AlertsTable alerts={alerts.data.alerts} search={false} testId="device-alerts" />
        )}
      </section>
      <section className="panel" style={{ marginTop: '1rem' }}>
        <h2>Peers</h2>
        <PeerTable peers={d.peers} />
      </section>
      <section className="panel" style={{ marginTop: '1rem' }}>
        <h2>Firmware findings</h2>
        <FirmwareLinks device={d} />
      </section>
    </>
  );
}

function Protocols({ peers }: { peers: Peer[] }) {
  const by = new Map<string, { bytes: number; flows: number; outside: boolean }>();
  for (const p of peers) {
    const k = `${p.app ?? p.proto}${p.port !== undefined ? ` ${p.proto}/${p.port}` : ''}`;
    const v = by.get(k) ?? { bytes: 0, flows: 0, outside: false };
    v.bytes += p.bytes;
    v.flows += p.flows;
    v.outside ||= p.zone === 'outside';
    by.set(k, v);
  }
  const rows = [...by.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
  if (rows.length === 0) return <p className="muted">None seen.</p>;
  return (
    <table className="data">
      <thead>
        <tr>
          <th>Protocol</th>
          <th>Flows</th>
          <th>Bytes</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k} className={v.outside ? 'outside' : undefined}>
            <td>
              {k} {v.outside ? <span className="tag outside">outside</span> : null}
            </td>
            <td>{v.flows}</td>
            <td>{bytes(v.bytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const peerCol = createColumnHelper<Peer>();
const peerColumns = [
  peerCol.accessor((p) => `${p.ip} ${p.names.join(' ')}`, {
    id: 'peer',
    header: 'Peer',
    cell: (c) => (
      <>
        <span className="mono">{endpoint(c.row.original.ip, c.row.original.port)}</span>
        {c.row.original.names.length ? <div className="muted">{c.row.original.names.join(', ')}</div> : null}
      </>
    ),
  }),
  peerCol.accessor('zone', {
    header: 'Zone',
    cell: (c) => (
      <>
        {c.getValue() === 'outside' ? <span className="tag outside">outside</span> : 'inside'}
        {!c.row.original.resolvedByDns && c.getValue() === 'outside' ? <span className="tag nodns">no DNS</span> : null}
      </>
    ),
  }),
  peerCol.accessor((p) => `${p.app ?? ''} ${p.proto}`, { id: 'proto', header: 'Protocol' }),
  peerCol.accessor('bytes', { header: 'Bytes', cell: (c) => bytes(c.getValue()) }),
  peerCol.accessor('flows', { header: 'Flows' }),
  peerCol.accessor('last', { header: 'Last', cell: (c) => when(c.getValue()) }),
];

function PeerTable({ peers }: { peers: Peer[] }) {
  return (
    <DataTable
      data={peers}
      columns={peerColumns}
      initialSort={[{ id: 'bytes', desc: true }]}
      searchLabel="Search peers"
      rowClass={(p) => (p.zone === 'outside' ? 'outside' : undefined)}
      testId="peer-table"
      rowId={(p) => `${p.ip}|${p.proto}|${p.port ?? ''}|${p.app ?? ''}`}
    />
  );
}

function DnsTable({ device }: { device: DeviceDetail }) {
  if (device.dns.length === 0) return <p className="muted">This device was not seen resolving any name.</p>;
  return (
    <table className="data">
      <thead>
        <tr>
          <th>Name</th>
          <th>Address</th>
          <th>Answers</th>
          <th>Last</th>
        </tr>
      </thead>
      <tbody>
        {device.dns.map((n) => (
          <tr key={`${n.name}|${n.address}`}>
            <td className="mono">{n.name}</td>
            <td className="mono">{n.address}</td>
            <td>{n.count}</td>
            <td>{when(n.last)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The TLS clients this device ran (JA4, JA3) and the certificates its servers showed. */
function TlsFacts({ device }: { device: DeviceDetail }) {
  const t = device.tls;
  if (t === undefined) return <p className="muted">This device was not seen starting a TLS connection.</p>;
  const said = new Map((t.servers ?? []).map((c) => [c.sha256, c]));
  const rows: { what: string; hint: string; values: string[] }[] = [
    { what: 'Client fingerprint (JA4)', hint: 'one per TLS stack the device runs', values: t.ja4 },
    { what: 'Client fingerprint (JA3)', hint: 'MD5, for SIEMs that match on it', values: t.ja3 },
    {
      what: 'Server certificate',
      hint: 'SHA-256 of the leaf certificate a server it reached showed (TLS 1.3 sends it encrypted)',
      values: t.serverCerts,
    },
  ];
  return (
    <>
      <table className="data" data-testid="device-tls">
        <thead>
          <tr>
            <th>What</th>
            <th>Fingerprints</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.what}>
              <td>
                {r.what}
                <div className="muted">{r.hint}</div>
              </td>
              <td className="mono fingerprints">
                {r.values.length === 0 ? <span className="muted">none seen</span> : null}
                {r.values.map((v) => {
                  const c = said.get(v);
                  return c === undefined ? (
                    <div key={v} className="cert">
                      {v}
                    </div>
                  ) : (
                    <ServerCert key={v} cert={c} seenUntil={device.last} />
                  );
                })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        {t.beyond !== undefined ? `${t.beyond} more past the kept sets, counted but not listed. ` : ''}A fingerprint or
        server certificate that appears after learning raises <code>device.tls-change</code>.
      </p>
    </>
  );
}

/** A server's leaf certificate: who it names, who issued it, when it is valid, where it was seen. */
function ServerCert({ cert: c, seenUntil }: { cert: DeviceTlsServer; seenUntil: string }) {
  // Judged at the time the device was last seen, not now: a capture may be years old.
  const expired = c.notAfter !== undefined && c.notAfter < seenUntil;
  const validity =
    c.notBefore !== undefined || c.notAfter !== undefined
      ? `valid ${c.notBefore !== undefined ? when(c.notBefore) : '?'} – ${c.notAfter !== undefined ? when(c.notAfter) : '?'}; `
      : '';
  return (
    <div className="cert" data-testid="server-cert">
      <div>{c.sha256}</div>
      <div className="cert-facts">
        <span>{c.subject || '(no subject)'}</span>{' '}
        {c.selfSigned ? (
          <span className="tag outside">self-signed</span>
        ) : (
          <span className="muted">issued by {c.issuer || '(no issuer)'}</span>
        )}{' '}
        {expired ? <span className="tag outside">expired</span> : null}
        <div className="muted">
          {validity}shown by {c.server}
          {c.sni !== undefined ? ` (${c.sni})` : ''}
        </div>
      </div>
    </div>
  );
}

/** Firmware audits whose hard-coded addresses this device actually talked to. */
function FirmwareLinks({ device }: { device: DeviceDetail }) {
  const fw = useFirmware();
  if (fw.isPending) return <Loading what="firmware audits" />;
  if (fw.error) return <ErrorBox error={fw.error} what="firmware audits" retry={() => fw.refetch()} />;
  const peerIps = new Set(device.peers.map((p) => p.ip));
  const hits: { audit: FirmwareAudit; finding: FirmwareAudit['findings'][number] }[] = [];
  for (const audit of fw.data.audits)
    for (const finding of audit.findings)
      if (finding.address && peerIps.has(finding.address)) hits.push({ audit, finding });
  if (hits.length === 0) {
    return (
      <p className="muted">
        No audited firmware image names an address this device talked to. <Link to="/firmware">Firmware audits</Link>
      </p>
    );
  }
  return (
    <table className="data" data-testid="firmware-links">
      <thead>
        <tr>
          <th>Address (contacted)</th>
          <th>Finding</th>
          <th>Image</th>
          <th>Where</th>
        </tr>
      </thead>
      <tbody>
        {hits.map(({ audit, finding }) => (
          <tr
            key={`${audit.id}|${finding.id}|${finding.file}|${finding.line ?? finding.offset ?? ''}`}
            className="outside"
          >
            <td className="mono">{finding.address}</td>
            <td>
              <SeverityBadge severity={finding.severity} /> <code>{finding.id}</code> {finding.evidence}
            </td>
            <td>{audit.image}</td>
            <td className="mono">
              {finding.file}
              {finding.line !== undefined ? `:${finding.line}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
