// The breach report, per outside destination, for a privacy officer: counts and field names only
// (the server never has a patient identifier to give). Laid out to print on A4.
import { type BreachDestination, FIELD_LABELS, MAX_PATIENT_HASHES, patientCount } from '@contract/breach';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { Query } from '../../components/Status';
import { endpoint, plural, when } from '../../lib/format';
import { useDevices } from '../devices/api';
import { deviceLabel, MacAndSensor, splitDeviceId } from '../devices/DeviceName';
import { useBreach } from './api';

export function BreachPage() {
  const q = useBreach();
  const devices = useDevices();
  const names = new Map((devices.data?.devices ?? []).map((d) => [d.id, deviceLabel(d)]));
  return (
    <>
      <div style={{ display: 'flex', alignItems: 'baseline', gap: '1rem' }}>
        <h1>Breach report</h1>
        <button type="button" className="secondary no-print" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <p className="print-only muted">wardwatch breach report, printed {new Date().toISOString().slice(0, 16)}Z</p>
      <Query q={q} what="the breach report">
        {(r) => (
          <>
            <div className="cards">
              <div className={`card ${r.totals.patients > 0 ? 'bad' : ''}`}>
                <div className="num" data-testid="breach-patients">
                  {patientCount(r.totals.patients, r.totals.capped)}
                </div>
                <div className="lbl">distinct patients</div>
              </div>
              <div className="card">
                <div className="num">{r.totals.messages}</div>
                <div className="lbl">HL7 messages in cleartext</div>
              </div>
              <div className="card">
                <div className="num">{r.totals.destinations}</div>
                <div className="lbl">outside destinations</div>
              </div>
              <div className={`card ${r.totals.notify ? 'bad' : ''}`}>
                <div className="num">{r.totals.notify ? 'yes' : 'no'}</div>
                <div className="lbl">at or over {r.threshold} individuals (HHS notice)</div>
              </div>
            </div>
            {r.totals.capped ? (
              <div className="status warn" data-testid="breach-capped">
                Counts are lower bounds: more than {MAX_PATIENT_HASHES} distinct patients were seen, and the analysis
                counts no more than that.
              </div>
            ) : null}
            {r.destinations.length === 0 ? (
              <div className="status ok">No patient data was seen leaving the site in cleartext.</div>
            ) : (
              r.destinations.map((d) => <Destination key={`${d.ip}:${d.port}`} d={d} names={names} />)
            )}
            <p className="muted" style={{ fontSize: '0.85rem' }}>
              Patients are counted from salted hashes of their identifiers; no name, birth date or identifier is stored.
              Counts are distinct per destination and across all destinations.
            </p>
          </>
        )}
      </Query>
    </>
  );
}

function Destination({ d, names }: { d: BreachDestination; names: Map<string, string> }) {
  return (
    <section className="panel dest" data-testid="breach-destination">
      <h2>
        <code>{endpoint(d.ip, d.port)}</code> <span className="muted">{d.protocol}</span>
        {d.notify ? (
          <span className="notify"> — notification threshold reached</span>
        ) : d.capped ? (
          <span className="notify"> — count capped: it may have reached the notification threshold</span>
        ) : null}
      </h2>
      <div className="grid two">
        <dl className="kv">
          <dt>Patients</dt>
          <dd>
            <strong>{patientCount(d.patients, d.capped)}</strong>
          </dd>
          <dt>Messages</dt>
          <dd>{d.messages}</dd>
          {d.proxies.length > 0 ? (
            <>
              <dt>Reached</dt>
              <dd data-testid="breach-via">
                {d.direct ? 'directly and ' : ''}via {d.proxies.length === 1 ? 'proxy' : 'proxies'}{' '}
                {d.proxies.map((p, i) => (
                  <span key={p}>
                    {i > 0 ? ', ' : ''}
                    <code>{p}</code>
                  </span>
                ))}
                <div className="muted" style={{ fontSize: '0.85rem' }}>
                  the firewall sees the proxy; the data went on to this address
                </div>
              </dd>
            </>
          ) : null}
          <dt>First – last</dt>
          <dd>
            {when(d.first)} – {when(d.last)}
          </dd>
          <dt>Fields sent</dt>
          <dd>
            <FieldList fields={d.fields} />
          </dd>
          <dt>From {plural(d.devices.length, 'device')}</dt>
          <dd>
            <ul style={{ margin: 0, paddingLeft: '1.1rem' }}>
              {d.devices.map((id) => (
                <li key={id}>
                  {names.get(id) ?? splitDeviceId(id).mac}{' '}
                  <span className="muted">
                    <MacAndSensor id={id} />
                  </span>
                </li>
              ))}
            </ul>
          </dd>
        </dl>
        <div>
          <h3>Messages per minute</h3>
          {d.timeline.length === 0 ? (
            <p className="muted">no timeline</p>
          ) : (
            <div className="chart" style={{ height: 160 }}>
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={d.timeline.map(([t, n]) => ({ t, n }))} margin={{ left: 0, right: 10 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="t" tickFormatter={(t: string) => t.slice(11, 16)} minTickGap={20} />
                  <YAxis allowDecimals={false} width={40} />
                  <Bar dataKey="n" fill="#c62828" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}

const FIELD_ORDER = Object.keys(FIELD_LABELS);
const rank = (f: string) => {
  const i = FIELD_ORDER.indexOf(f);
  return i < 0 ? FIELD_ORDER.length : i;
};

/**
 * The HL7 fields a destination received, in HL7 order, each as its code and the plain words the md/html
 * report uses ("PID-5 patient name"): visible text, so the printed page says it too.
 */
export function FieldList({ fields }: { fields: readonly string[] }) {
  const sorted = [...fields].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return (
    <ul className="fields" data-testid="breach-fields">
      {sorted.map((f) => (
        <li key={f}>
          <span className="tag field">{f}</span> {FIELD_LABELS[f] ?? <span className="muted">(no plain name)</span>}
        </li>
      ))}
    </ul>
  );
}
