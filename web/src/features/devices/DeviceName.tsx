import type { DeviceListItem } from '@contract/api';
import { Link } from 'react-router';
import { className } from '../../lib/format';

/** A device as a person names it: model (or hostname, or class), then its address. Wire text, rendered as text. */
export function deviceLabel(d: Pick<DeviceListItem, 'model' | 'hostname' | 'class' | 'ips' | 'id'>): string {
  const what = d.model ?? d.hostname ?? className(d.class);
  return `${what} ${d.ips[0] ?? d.id}`;
}

export function DeviceLink({
  device,
}: {
  device: Pick<DeviceListItem, 'model' | 'hostname' | 'class' | 'ips' | 'id'>;
}) {
  return <Link to={`/devices/${encodeURIComponent(device.id)}`}>{deviceLabel(device)}</Link>;
}
