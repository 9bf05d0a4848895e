// Policy file format (DESIGN.md "Policy"). YAML or JSON, versioned: version 1 files (allow/deny
// by peer) stay valid; version 2 adds direction, schedules, remote-access ports and grants.
// One shape for `--policy FILE`, `firmware audit --policy-out`, `policy learn|simulate|compile|apply`.
import { z } from 'zod';

export const PolicyMode = z.enum(['learn', 'alert', 'enforce', 'local-only', 'quarantine']);
export type PolicyMode = z.infer<typeof PolicyMode>;

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const Day = z.enum(DAYS);
export type Day = z.infer<typeof Day>;

const HOURS = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/;

/** When a rule (or a whole device) applies: days of the week and an hour range, in `tz`. */
export const Schedule = z
  .object({
    days: z.array(Day).min(1).optional(),
    /**
     * "HH:MM-HH:MM", start inclusive, end exclusive. An end before the start wraps midnight
     * ("22:00-06:00": the night from each listed day into the next morning).
     */
    hours: z
      .string()
      .regex(HOURS, 'hours must look like 08:00-18:00 (or 22:00-06:00 across midnight)')
      .refine((h) => h.slice(0, 5) !== h.slice(6), 'hours must not start and end at the same time')
      .optional(),
    /** IANA time zone; default UTC. The gateway evaluates the hours in this zone. */
    tz: z.string().default('UTC'),
  })
  .strict()
  .refine((s) => s.days !== undefined || s.hours !== undefined, { message: 'schedule needs days or hours' });
export type Schedule = z.infer<typeof Schedule>;

export const PolicyRule = z
  .object({
    /** out (the default): the device opens the connection; in: the peer opens it to the device. */
    direction: z.enum(['out', 'in']).optional(),
    /** An IP address, a CIDR, or a DNS name (names match through the DNS answers the device got). */
    peer: z.string().min(1),
    proto: z.enum(['tcp', 'udp', 'icmp', 'any']).default('any'),
    port: z.number().int().min(0).max(65535).optional(),
    app: z.string().optional(),
    schedule: Schedule.optional(),
    note: z.string().optional(),
  })
  .strict();
export type PolicyRule = z.infer<typeof PolicyRule>;

export const DenyRule = PolicyRule.extend({ reason: z.string().optional() });
export type DenyRule = z.infer<typeof DenyRule>;

export const DeviceMatch = z
  .object({
    mac: z.string().optional(),
    ip: z.string().optional(),
    model: z.string().optional(),
    class: z.string().optional(),
  })
  .strict()
  .refine((m) => Object.values(m).some((v) => v !== undefined), { message: 'match needs mac, ip, model or class' });
export type DeviceMatch = z.infer<typeof DeviceMatch>;

export const DevicePolicy = z
  .object({
    name: z.string().optional(),
    match: DeviceMatch,
    mode: PolicyMode.default('alert'),
    /** The device may talk at all only within this schedule (DHCP/ARP always pass). */
    schedule: Schedule.optional(),
    /** Extra remote-access ports (vendor debug ports from traffic or the firmware audit), closed inbound. */
    remoteAccessPorts: z.array(z.number().int().min(1).max(65535)).optional(),
    allow: z.array(PolicyRule).default([]),
    deny: z.array(DenyRule).default([]),
  })
  .strict();
export type DevicePolicy = z.infer<typeof DevicePolicy>;

/** A temporary opening: the device may reach `to` until `until`; closes by itself. */
export const Grant = z
  .object({
    id: z.string().min(1),
    device: z.string().min(1),
    to: z.string().min(1),
    proto: z.enum(['tcp', 'udp', 'icmp', 'any']).default('any'),
    port: z.number().int().min(0).max(65535).optional(),
    from: z.string().datetime({ offset: true }),
    until: z.string().datetime({ offset: true }),
    reason: z.string().min(1),
    by: z.string().optional(),
  })
  .strict();
export type Grant = z.infer<typeof Grant>;

export const PolicyFile = z
  .object({
    version: z.union([z.literal(1), z.literal(2)]),
    /** The site's resolver: device DNS is redirected to it and DNS-name rules are filled by its answers. */
    resolver: z.string().optional(),
    devices: z.array(DevicePolicy),
    grants: z.array(Grant).optional(),
  })
  .strict();
export type PolicyFile = z.infer<typeof PolicyFile>;
/** What a caller may hand in (defaults not yet applied). */
export type PolicyFileInput = z.input<typeof PolicyFile>;
