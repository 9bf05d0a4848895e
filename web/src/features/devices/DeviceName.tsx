import type { DeviceListItem } from '@contract/api';
import { Link } from 'react-router';
import { className } from '../../lib/format';

/**
 * A device id apart (issue 20): a remote sensor's device is stored as `<sensor>/<MAC or ip:addr>`,
 * the console's own as the MAC (or ip:addr). The scoped id stays the key (URLs, API); people see the
 * MAC and the sensor separately. With no `sensor` given the prefix is read from the id (a sensor
 * name has no '/', nor has a MAC or an ip:addr id). `sensor` undefined: the console's own.
 */
export function splitDeviceId(id: string, sensor?: string): { mac: string; sensor?: string } {
  if (sensor === 'local') return { mac: id };
  if (sensor !== undefined)
    return id.startsWith(`${sensor}/`) ? { mac: id.slice(sensor.length + 1), sensor } : { mac: id, sensor };
  const slash = id.indexOf('/');
  return slash > 0 ? { mac: id.slice(slash + 1), sensor: id.slice(0, slash) } : { mac: id };
}

/** 'MAC' for a hardware address, 'Id' for anything else (an 'ip:<addr>' device). */
export function macWord(mac: string): 'MAC' | 'Id' {
  return /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(mac) ? 'MAC' : 'Id';
}

/** A device as a person names it: model (or hostname, or class), then its address. Wire text, rendered as text. */
export function deviceLabel(d: Pick<DeviceListItem, 'model' | 'hostname' | 'class' | 'ips' | 'id' | 'sensor'>): string {
  const what = d.model ?? d.hostname ?? className(d.class);
  return `${what} ${d.ips[0] ?? splitDeviceId(d.id, d.sensor).mac}`;
}

export function DeviceLink({
  device,
}: {
  device: Pick<DeviceListItem, 'model' | 'hostname' | 'class' | 'ips' | 'id' | 'sensor'>;
}) {
  return <Link to={`/devices/${encodeURIComponent(device.id)}`}>{deviceLabel(device)}</Link>;
}

/** A device's MAC, and its sensor as a tag when it is a remote one. */
export function MacAndSensor({ id, sensor }: { id: string; sensor?: string }) {
  const s = splitDeviceId(id, sensor);
  return (
    <>
      <span className="mono">{s.mac}</span>
      {s.sensor !== undefined ? (
        <>
          {' '}
          <span className="tag sensor" title="the sensor that saw it">
            {s.sensor}
          </span>
        </>
      ) : null}
    </>
  );
}
