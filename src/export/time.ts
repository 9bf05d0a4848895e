// Times for people: the terminal shows capture times in local time with the UTC offset
// ("2025-01-30 13:00:01 +01:00"), or in UTC with `--utc` ("2025-01-30 12:00:01 UTC"). The zone is
// the process's (TZ) unless a caller names one, so tests pin it. Records (jsonl) keep ISO UTC.

export interface TimeOptions {
  /** Print UTC instead of local time. */
  readonly utc?: boolean;
  /** An IANA zone ("Europe/Berlin"); default: the process's (TZ). */
  readonly timeZone?: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formatters.set(key, f);
  }
  return f;
}

/** An ISO time as "YYYY-MM-DD HH:MM:SS ±HH:MM" (local) or "… UTC"; text that is no time is returned as is. */
export function humanTime(iso: string, opts: TimeOptions = {}): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  if (opts.utc === true) return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const p: Record<string, string> = {};
  for (const part of formatter(opts.timeZone).formatToParts(ms)) p[part.type] = part.value;
  // longOffset is "GMT+01:00", or "GMT" at offset zero.
  const tz = p.timeZoneName ?? 'GMT';
  const offset = tz === 'GMT' ? '+00:00' : tz.replace('GMT', '');
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${offset}`;
}

/** "first … last", the date and offset printed once when both are on the same day in the same offset. */
export function humanRange(first: string, last: string, opts: TimeOptions = {}): string {
  const a = humanTime(first, opts);
  if (first === last) return a;
  const b = humanTime(last, opts);
  if (a === b) return a;
  const [da, ta, za] = a.split(' ');
  const [db, tb, zb] = b.split(' ');
  if (da === db && za === zb && ta !== undefined && tb !== undefined) return `${da} ${ta} … ${tb} ${za}`;
  return `${a} … ${b}`;
}
