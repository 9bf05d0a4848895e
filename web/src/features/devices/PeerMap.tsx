// The peer map: the device in the middle, site peers on the left, outside peers on the right.
// Outside peers are red; those whose address no DNS answer on the wire ever named (the
// "hard-coded IP" signature) are amber-edged diamonds labelled "no DNS". Edge width grows with
// the log of the bytes exchanged. Drawn by cytoscape (labels are canvas text, never HTML).
import type { DeviceDetail, Peer } from '@contract/api';
import cytoscape from 'cytoscape';
import { useEffect, useMemo, useRef } from 'react';
import { bytes } from '../../lib/format';

type Node = {
  ip: string;
  zone: Peer['zone'];
  resolved: boolean;
  names: string[];
  services: string[];
  bytes: number;
};

export function aggregatePeers(peers: Peer[]): Node[] {
  const by = new Map<string, Node>();
  for (const p of peers) {
    const n = by.get(p.ip) ?? { ip: p.ip, zone: p.zone, resolved: false, names: [], services: [], bytes: 0 };
    n.resolved ||= p.resolvedByDns;
    for (const name of p.names) if (!n.names.includes(name)) n.names.push(name);
    const svc = `${p.app ?? p.proto}${p.port !== undefined ? `/${p.port}` : ''}`;
    if (!n.services.includes(svc)) n.services.push(svc);
    n.bytes += p.bytes;
    by.set(p.ip, n);
  }
  return [...by.values()].sort((a, b) => b.bytes - a.bytes);
}

const MAX_PEERS = 40;

export function PeerMap({ device, label }: { device: DeviceDetail; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const nodes = useMemo(() => aggregatePeers(device.peers).slice(0, MAX_PEERS), [device.peers]);
  useEffect(() => {
    if (!ref.current) return;
    const inside = nodes.filter((n) => n.zone === 'inside');
    const outside = nodes.filter((n) => n.zone === 'outside');
    // Each side on an arc of an ellipse wider than tall (screens are), spread by how many peers it has.
    const place = (list: Node[], side: -1 | 1) =>
      list.map((n, i) => {
        const spread = Math.min(Math.PI * 0.8, 0.45 * Math.max(0, list.length - 1));
        const angle = list.length === 1 ? 0 : -spread / 2 + (i / (list.length - 1)) * spread;
        const r = 1 + (list.length > 9 ? (i % 2) * 0.3 : 0);
        return { n, x: side * 340 * r * Math.cos(angle), y: 170 * r * Math.sin(angle) };
      });
    const maxBytes = Math.max(1, ...nodes.map((n) => n.bytes));
    const width = (b: number) => 1 + 9 * (Math.log1p(b) / Math.log1p(maxBytes));
    const elements: cytoscape.ElementDefinition[] = [
      { data: { id: 'self', label }, position: { x: 0, y: 0 }, classes: 'self' },
    ];
    for (const { n, x, y } of [...place(inside, -1), ...place(outside, 1)]) {
      const lines = [
        n.ip,
        n.names[0] ?? (n.zone === 'outside' && !n.resolved ? 'no DNS' : ''),
        n.services.slice(0, 3).join(' '),
      ];
      elements.push({
        data: { id: `p:${n.ip}`, label: lines.filter(Boolean).join('\n') },
        position: { x, y },
        classes: `${n.zone}${n.resolved ? '' : ' nodns'}`,
      });
      elements.push({
        data: { id: `e:${n.ip}`, source: 'self', target: `p:${n.ip}`, w: width(n.bytes), label: bytes(n.bytes) },
        classes: n.zone,
      });
    }
    const cy = cytoscape({
      container: ref.current,
      elements,
      layout: { name: 'preset', fit: true, padding: 30 },
      minZoom: 0.3,
      maxZoom: 1.5,
      userZoomingEnabled: true,
      boxSelectionEnabled: false,
      autoungrabify: false,
      style: [
        {
          selector: 'node',
          style: {
            label: 'data(label)',
            'text-wrap': 'wrap',
            'text-valign': 'bottom',
            'text-margin-y': 4,
            'font-size': 12,
            'font-family': 'DejaVu Sans, sans-serif',
            color: '#1b1f24',
            'text-background-color': '#fbfcfd',
            'text-background-opacity': 0.85,
            width: 22,
            height: 22,
          },
        },
        {
          selector: 'node.self',
          style: { 'background-color': '#14263d', width: 34, height: 34, 'font-weight': 'bold' },
        },
        { selector: 'node.inside', style: { 'background-color': '#2f6fb0' } },
        { selector: 'node.outside', style: { 'background-color': '#c62828' } },
        {
          selector: 'node.outside.nodns',
          style: {
            'border-width': 3,
            'border-color': '#e0a100',
            shape: 'diamond',
            width: 30,
            height: 30,
          },
        },
        {
          selector: 'edge',
          style: {
            width: 'data(w)',
            'curve-style': 'straight',
            'line-color': '#8aa7c7',
            label: 'data(label)',
            'font-size': 10,
            color: '#5d6673',
            'text-background-color': '#fbfcfd',
            'text-background-opacity': 0.85,
          },
        },
        { selector: 'edge.outside', style: { 'line-color': '#e57373' } },
      ],
    });
    return () => cy.destroy();
  }, [nodes, label]);
  const hidden = device.peers.length > 0 ? aggregatePeers(device.peers).length - nodes.length : 0;
  return (
    <>
      <div className="peer-map" ref={ref} data-testid="peer-map" role="img" aria-label={`Peer map of ${label}`} />
      <div className="legend">
        <span>
          <span className="sw" style={{ background: '#2f6fb0' }} />
          inside (site)
        </span>
        <span>
          <span className="sw" style={{ background: '#c62828' }} />
          outside
        </span>
        <span>
          <span
            className="sw"
            style={{
              background: '#c62828',
              border: '2px solid #c08a00',
              borderRadius: 0,
              transform: 'rotate(45deg) scale(0.8)',
            }}
          />
          outside, never resolved by DNS
        </span>
        <span>edge width: bytes exchanged (log)</span>
        {hidden > 0 ? <span>{hidden} smaller peers not drawn (see the table)</span> : null}
      </div>
    </>
  );
}
