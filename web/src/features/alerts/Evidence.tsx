// An alert's evidence as a definition list. Values come from the wire (AE titles, HL7 app names,
// URLs): they are rendered as React text only, so markup in them shows as characters.
function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.map(String).join(', ');
  return JSON.stringify(v);
}

export function Evidence({ evidence }: { evidence: Record<string, unknown> }) {
  const keys = Object.keys(evidence);
  if (keys.length === 0) return <span className="muted">no evidence recorded</span>;
  return (
    <dl className="kv evidence">
      {keys.map((k) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt>{k}</dt>
          <dd>{show(evidence[k])}</dd>
        </div>
      ))}
    </dl>
  );
}
