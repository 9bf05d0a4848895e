// Live mode sends real packets. The real indicator addresses of the CMS8000 case must never
// receive one from wardwatch: refuse them before any socket is opened (DESIGN.md, safety).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { WardwatchError } from '../../errors.js';

const FORBIDDEN = /^202\.114\.4\.\d{1,3}$/;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function parseHostPort(text: string, what: string, defaultPort?: number): HostPort {
  const m = /^\[?([^\]]*?)\]?(?::(\d{1,5}))?$/.exec(text.trim());
  const host = m?.[1] ?? '';
  const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
  if (!m || host === '' || port === undefined || !(port > 0 && port < 65536)) {
    throw new WardwatchError('WW_ARGS', `${what}: expected HOST:PORT, got '${text}'`);
  }
  return { host, port };
}

/** Throws WW_ARGS when `host` is (or resolves to) a real CMS8000 indicator address. */
export async function refuseIndicator(host: string, what: string): Promise<string> {
  const address = isIP(host) ? host : (await lookup(host, { family: 4 }).catch(() => ({ address: host }))).address;
  if (FORBIDDEN.test(address) || FORBIDDEN.test(host)) {
    throw new WardwatchError(
      'WW_ARGS',
      `${what}: ${host} is in 202.114.4.0/24, the real CMS8000 indicator range; wardwatch never sends traffic there. Use a lab address such as 203.0.113.120 (see 'wardwatch lab').`,
    );
  }
  return address;
}
