// Syslog writers for tests and the simulator: RFC 5424 and RFC 3164 messages, RFC 6587 octet
// counting. (The product's own syslog export is src/export/transport/syslog.ts.)
const enc = new TextEncoder();

export interface SyslogDraft {
  readonly facility: number;
  readonly severity: number;
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: string;
  readonly msgId?: string;
  /** RFC 5424 structured data as written ('[x@32473 a="b"]'), '-' when absent. */
  readonly sd?: string;
  readonly msg: string;
}

export function syslog5424(d: SyslogDraft, time = '2026-12-02T03:00:00.000Z'): Uint8Array {
  const h = `<${d.facility * 8 + d.severity}>1 ${time} ${d.hostname ?? '-'} ${d.appName ?? '-'} ${d.procId ?? '-'} ${d.msgId ?? '-'} ${d.sd ?? '-'}`;
  return enc.encode(d.msg === '' ? h : `${h} ${d.msg}`);
}

export function syslog3164(d: SyslogDraft, time = 'Dec  2 03:00:00'): Uint8Array {
  const tag = d.appName === undefined ? '' : `${d.appName}${d.procId !== undefined ? `[${d.procId}]` : ''}: `;
  return enc.encode(`<${d.facility * 8 + d.severity}>${time} ${d.hostname ?? 'localhost'} ${tag}${d.msg}`);
}

export function octetCounted(msg: Uint8Array): Uint8Array {
  const head = enc.encode(`${msg.length} `);
  const out = new Uint8Array(head.length + msg.length);
  out.set(head);
  out.set(msg, head.length);
  return out;
}
