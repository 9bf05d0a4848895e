// The one sensor filter of the console (issue 20): Overview, Devices and Alerts each show it. The
// choice lives in the URL (?sensor=NAME, so a link is shareable and Back undoes it); the choices are
// the sensors the console knows (GET /api/sensors/known), not free text. A sensor in the URL the
// console does not know stays selectable as "(unknown)", so the page can say why it is empty.
import type { KnownSensor } from '@contract/api';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../lib/api';

/** The `sensor` URL parameter ('' = all sensors) and a setter that pushes a history entry. */
export function useSensorParam(): [string, (sensor: string) => void] {
  const [params, setParams] = useSearchParams();
  const set = (sensor: string) =>
    setParams((prev) => {
      const p = new URLSearchParams(prev);
      if (sensor === '') p.delete('sensor');
      else p.set('sensor', sensor);
      return p;
    });
  return [params.get('sensor') ?? '', set];
}

/** `?sensor=…` to carry the choice on a link to another filtered page ('' when none). */
export function sensorSearch(sensor: string): string {
  return sensor === '' ? '' : `?${new URLSearchParams({ sensor })}`;
}

export function useKnownSensors() {
  return useQuery({ queryKey: ['sensors', 'known'], queryFn: api.knownSensors, staleTime: 30_000 });
}

/** How a person reads a sensor name: 'local' is this console's own capture. */
export function sensorLabel(name: string): string {
  return name === 'local' ? 'this console (local)' : name;
}

function optionText(k: KnownSensor & { unknown?: boolean }): string {
  if (k.unknown) return `${k.name} (unknown)`;
  const site = k.site !== undefined && k.site !== '' ? ` — ${k.site}` : '';
  return `${sensorLabel(k.name)}${site} (${k.devices} device${k.devices === 1 ? '' : 's'})`;
}

/**
 * A select of the known sensors bound to `?sensor=`. Hidden when the console knows one sensor at
 * most and none is chosen (a single box has nothing to filter). Prints as a line "Sensor: NAME".
 */
export function SensorFilter({ value, onChange }: { value: string; onChange: (sensor: string) => void }) {
  const q = useKnownSensors();
  const known: (KnownSensor & { unknown?: boolean })[] = q.data?.sensors ?? [];
  if (value === '' && known.length <= 1) return null;
  const options =
    value === '' || known.some((k) => k.name === value)
      ? known
      : [...known, { name: value, devices: 0, unknown: true }];
  return (
    <>
      <label className="sensor-filter no-print">
        Sensor{' '}
        <select
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-label="Filter by sensor"
          data-testid="sensor-filter"
        >
          <option value="">all sensors</option>
          {options.map((k) => (
            <option key={k.name} value={k.name}>
              {optionText(k)}
            </option>
          ))}
        </select>
        {q.error ? <span className="muted"> (sensor list unavailable: {q.error.message})</span> : null}
      </label>
      {value !== '' ? <span className="print-only">Sensor: {sensorLabel(value)}</span> : null}
    </>
  );
}
