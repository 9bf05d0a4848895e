// The one matcher: schedules in a time zone, grants that end, remote access closed by default,
// and the v1 → v2 schema staying compatible.
import { describe, expect, it } from 'vitest';
import { PolicyFile } from '../../src/contract/policy.js';
import { parsePolicy } from '../../src/config/policy.js';
import { type FlowView, grantFor, inSchedule, policyFor, verdict } from '../../src/policy/match.js';

const at = (iso: string) => Date.parse(iso) * 1000;
const site = (ip: string) => ip.startsWith('10.');
const flow = (over: Partial<FlowView>): FlowView => ({
  direction: 'out',
  peer: '10.40.12.20',
  proto: 'tcp',
  port: 2575,
  names: new Set(),
  ts: at('2025-01-30T12:00:00Z'),
  ...over,
});

describe('schedules', () => {
  const s = { days: ['thu' as const], hours: '08:00-18:00', tz: 'Europe/Berlin' };
  it('evaluate days and hours in the schedule time zone', () => {
    // 2025-01-30 is a Thursday; 07:30 UTC is 08:30 in Berlin (UTC+1 in winter).
    expect(inSchedule(s, at('2025-01-30T07:30:00Z'))).toBe(true);
    expect(inSchedule(s, at('2025-01-30T06:59:00Z'))).toBe(false);
    expect(inSchedule(s, at('2025-01-30T17:00:00Z'))).toBe(false); // 18:00 Berlin: end is exclusive
    expect(inSchedule(s, at('2025-01-31T10:00:00Z'))).toBe(false); // Friday
  });
  it('a scheduled allow rule passes only inside its window', () => {
    const p = PolicyFile.parse({
      version: 2,
      devices: [
        {
          match: { ip: '10.40.12.104' },
          mode: 'enforce',
          allow: [{ peer: '10.40.12.20', proto: 'tcp', port: 2575, schedule: s }],
        },
      ],
    }).devices[0]!;
    expect(verdict(p, flow({ ts: at('2025-01-30T09:00:00Z') }), site).allowed).toBe(true);
    expect(verdict(p, flow({ ts: at('2025-01-30T20:00:00Z') }), site)).toEqual({
      allowed: false,
      reason: 'default deny (no allow rule matches)',
    });
  });
  it('hours that wrap midnight (22:00-06:00) are the night starting on each listed day', () => {
    const night = { days: ['mon' as const], hours: '22:00-06:00', tz: 'UTC' };
    // 2025-01-27 is a Monday.
    expect(inSchedule(night, at('2025-01-27T22:00:00Z'))).toBe(true); // Monday evening
    expect(inSchedule(night, at('2025-01-28T02:30:00Z'))).toBe(true); // Tuesday 02:30: still Monday's night
    expect(inSchedule(night, at('2025-01-28T06:00:00Z'))).toBe(false); // the end is exclusive
    expect(inSchedule(night, at('2025-01-27T21:59:00Z'))).toBe(false);
    expect(inSchedule(night, at('2025-01-27T02:30:00Z'))).toBe(false); // Monday 02:30 is Sunday's night
    expect(inSchedule(night, at('2025-01-28T22:30:00Z'))).toBe(false); // Tuesday evening
    const every = { hours: '22:00-06:00', tz: 'Europe/Berlin' };
    expect(inSchedule(every, at('2025-01-30T23:30:00Z'))).toBe(true); // 00:30 Berlin
    expect(inSchedule(every, at('2025-01-30T12:00:00Z'))).toBe(false);
    const yaml = 'version: 2\ndevices:\n  - match: {ip: 10.1.1.1}\n    schedule: {hours: "22:00-06:00"}\n';
    expect(parsePolicy(yaml, 'p.yaml').devices[0]!.schedule?.hours).toBe('22:00-06:00');
  });
  it('rejects hours that start and end at the same time, with the file and line', () => {
    const yaml = 'version: 2\ndevices:\n  - match: {ip: 10.1.1.1}\n    schedule: {hours: "06:00-06:00"}\n';
    expect(() => parsePolicy(yaml, 'p.yaml')).toThrow(
      /p\.yaml:4: devices\.0\.schedule\.hours: hours must not start and end/,
    );
  });
});

describe('grants', () => {
  const policy = PolicyFile.parse({
    version: 2,
    devices: [{ match: { mac: '02:57:40:00:00:01' }, mode: 'enforce' }],
    grants: [
      {
        id: 'g1',
        device: '02:57:40:00:00:01',
        to: '203.0.113.7',
        from: '2025-01-30T12:00:00Z',
        until: '2025-01-30T14:00:00Z',
        reason: 'ticket 4711',
      },
    ],
  });
  const p = policy.devices[0]!;
  it('open a peer from `from` until `until`, then close', () => {
    const f = (ts: string) => flow({ peer: '203.0.113.7', port: 443, ts: at(ts) });
    const g = (ts: string) => grantFor(policy.grants, '02:57:40:00:00:01', '10.40.12.106', f(ts));
    expect(verdict(p, f('2025-01-30T13:00:00Z'), site, g('2025-01-30T13:00:00Z'))).toEqual({
      allowed: true,
      reason: 'grant g1 (ticket 4711) until 2025-01-30T14:00:00Z',
    });
    expect(g('2025-01-30T14:00:00Z')).toBeUndefined();
    expect(verdict(p, f('2025-01-30T14:00:01Z'), site, g('2025-01-30T14:00:01Z')).allowed).toBe(false);
  });
});

describe('remote access', () => {
  const p = PolicyFile.parse({
    version: 2,
    devices: [
      {
        match: { ip: '10.40.12.104' },
        mode: 'local-only',
        remoteAccessPorts: [8023],
        allow: [{ direction: 'in', peer: '10.40.12.9', proto: 'tcp', port: 23 }],
      },
    ],
  }).devices[0]!;
  it('is closed inbound even from site peers in local-only, unless a rule names the host', () => {
    expect(verdict(p, flow({ direction: 'in', peer: '10.40.12.50', port: 23 }), site).reason).toMatch(
      /remote access \(telnet\) is closed/,
    );
    expect(verdict(p, flow({ direction: 'in', peer: '10.40.12.9', port: 23 }), site).allowed).toBe(true);
    expect(verdict(p, flow({ direction: 'in', peer: '10.40.12.50', port: 8023 }), site).reason).toMatch(
      /vendor port 8023/,
    );
    expect(verdict(p, flow({ direction: 'in', peer: '10.40.12.50', port: 2575 }), site).allowed).toBe(true);
  });
});

describe('schema', () => {
  it('still reads version 1 files, and matches devices by MAC, model or class', () => {
    const v1 = parsePolicy(
      'version: 1\ndevices:\n  - match: {model: CMS8000}\n    allow: [{peer: 10.40.12.20, proto: tcp, port: 2575}]\n',
      'v1.yaml',
    );
    expect(v1.devices[0]!.mode).toBe('alert');
    expect(policyFor(v1, '02:57:30:00:00:01', '10.40.12.104', { model: 'cms8000' })).toBe(v1.devices[0]);
    expect(policyFor(v1, '02:57:30:00:00:01', '10.40.12.104', { model: 'MN-120' })).toBeUndefined();
  });
  it('names the line of an unknown key', () => {
    expect(() => parsePolicy('version: 2\ndevices:\n  - match: {ip: 10.1.1.1}\n    allwo: []\n', 'x.yaml')).toThrow(
      /x\.yaml:3: devices\.0: Unrecognized key/,
    );
  });
});
