import type { TrafficBucket } from '@contract/api';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { bytes } from '../../lib/format';

const hhmm = (iso: string) => iso.slice(11, 16);

export function TrafficChart({ traffic, bucketSeconds }: { traffic: TrafficBucket[]; bucketSeconds: number }) {
  if (traffic.length === 0) return <p className="muted">No traffic recorded.</p>;
  return (
    <>
      <div className="chart" data-testid="traffic-chart">
        <ResponsiveContainer width="100%" height="100%">
          <AreaChart data={traffic} margin={{ left: 10, right: 10, top: 5 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="t" tickFormatter={hhmm} minTickGap={30} />
            <YAxis tickFormatter={(v: number) => bytes(v)} width={70} />
            <Tooltip formatter={(v) => bytes(Number(v))} labelFormatter={(l) => String(l)} />
            <Legend />
            <Area
              type="monotone"
              dataKey="bytesInside"
              name="to/from site"
              stackId="1"
              stroke="#2f6fb0"
              fill="#9dbfe3"
              isAnimationActive={false}
            />
            <Area
              type="monotone"
              dataKey="bytesOutside"
              name="to/from outside"
              stackId="1"
              stroke="#c62828"
              fill="#ef9a9a"
              isAnimationActive={false}
            />
          </AreaChart>
        </ResponsiveContainer>
      </div>
      <p className="muted" style={{ fontSize: '0.85rem' }}>
        Bytes per {bucketSeconds} s (UTC).
      </p>
    </>
  );
}
