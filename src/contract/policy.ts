// Policy file format (DESIGN.md "Policy"), minimal reading side. YAML or JSON.
// The policy issue grows it (learn, compile, apply); this shape is what `--policy FILE`,
// `firmware audit --capture` proposals and `policy.violation` share.
import { z } from 'zod';

export const PolicyMode = z.enum(['learn', 'alert', 'enforce', 'local-only', 'quarantine']);
export type PolicyMode = z.infer<typeof PolicyMode>;

export const PolicyRule = z
  .object({
    /** An IP address, a CIDR, or a DNS name (names match through the DNS answers seen). */
    peer: z.string().min(1),
    proto: z.enum(['tcp', 'udp', 'icmp', 'any']).default('any'),
    port: z.number().int().min(0).max(65535).optional(),
    app: z.string().optional(),
    note: z.string().optional(),
  })
  .strict();
export type PolicyRule = z.infer<typeof PolicyRule>;

export const DeviceMatch = z
  .object({
    mac: z.string().optional(),
    ip: z.string().optional(),
    model: z.string().optional(),
    class: z.string().optional(),
  })
  .strict()
  .refine((m) => Object.values(m).some((v) => v !== undefined), { message: 'match needs mac, ip, model or class' });

export const DevicePolicy = z
  .object({
    name: z.string().optional(),
    match: DeviceMatch,
    mode: PolicyMode.default('alert'),
    allow: z.array(PolicyRule).default([]),
    deny: z.array(PolicyRule.extend({ reason: z.string().optional() })).default([]),
  })
  .strict();
export type DevicePolicy = z.infer<typeof DevicePolicy>;

export const PolicyFile = z
  .object({
    version: z.literal(1),
    devices: z.array(DevicePolicy),
  })
  .strict();
export type PolicyFile = z.infer<typeof PolicyFile>;
