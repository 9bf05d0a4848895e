// The console's policy routes (issue 14 "In the console"): request and response of every
// /api/policies route, shared with web/. Analysts propose and simulate; only admins apply,
// confirm, grant and roll back. Stable: change only by adding optional fields.
import { z } from 'zod';
import { DenyRule, DevicePolicy, PolicyMode } from './policy.js';

export const PolicyVersionState = z.enum(['proposed', 'applied', 'superseded', 'rolled-back']);
export type PolicyVersionState = z.infer<typeof PolicyVersionState>;

/** One stored version of a device's policy: who proposed it, who applied it, when. */
export const PolicyVersion = z.object({
  device: z.string(),
  version: z.number().int().positive(),
  state: PolicyVersionState,
  policy: DevicePolicy,
  /** 'learn' (proposed from observed traffic) or 'edit' (a person's own rules). */
  source: z.enum(['learn', 'edit']),
  createdBy: z.string(),
  createdAt: z.string(),
  note: z.string().optional(),
  appliedBy: z.string().optional(),
  appliedAt: z.string().optional(),
});
export type PolicyVersion = z.infer<typeof PolicyVersion>;

export const PolicySummary = z.object({
  device: z.string(),
  name: z.string().optional(),
  mode: PolicyMode,
  latest: z.number().int().positive(),
  /** The version enforced now (applied and not rolled back), if any. */
  applied: z.number().int().positive().optional(),
  updatedAt: z.string(),
});
export type PolicySummary = z.infer<typeof PolicySummary>;

/** Where an apply goes: a configured lab namespace, or nowhere (dry-run: compiled, diffed, recorded). */
export const Enforcement = z.object({
  mode: z.enum(['dry-run', 'netns']),
  target: z.string(),
});
export type Enforcement = z.infer<typeof Enforcement>;

/** The last apply, while it waits for confirmation or after it was confirmed. */
export const ApplyState = z.object({
  id: z.string(),
  device: z.string(),
  version: z.number().int().positive(),
  by: z.string(),
  at: z.string(),
  reason: z.string(),
  target: z.string(),
  confirmBy: z.string().optional(),
  confirmedAt: z.string().optional(),
});
export type ApplyState = z.infer<typeof ApplyState>;

export const PolicyGrant = z.object({
  id: z.string(),
  device: z.string(),
  to: z.string(),
  proto: z.enum(['tcp', 'udp', 'icmp', 'any']),
  port: z.number().int().optional(),
  from: z.string(),
  until: z.string(),
  reason: z.string(),
  by: z.string(),
});
export type PolicyGrant = z.infer<typeof PolicyGrant>;

export const PolicyAuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  who: z.string(),
  action: z.string(), // 'policy.propose', 'policy.apply', 'policy.confirm', 'policy.grant', 'policy.rollback'
  target: z.string().optional(),
  detail: z.record(z.string(), z.unknown()),
});
export type PolicyAuditEntry = z.infer<typeof PolicyAuditEntry>;

/** GET /api/policies (viewer). */
export const PolicyListResponse = z.object({
  policies: z.array(PolicySummary),
  enforcement: Enforcement,
  applied: ApplyState.optional(),
});
export type PolicyListResponse = z.infer<typeof PolicyListResponse>;

export const PolicyDeviceParams = z.object({ device: z.string().min(1).max(200) });

/** GET /api/policies/:device (viewer): every version, newest first, open grants, the audit trail. */
export const PolicyDetailResponse = z.object({
  device: z.string(),
  versions: z.array(PolicyVersion),
  grants: z.array(PolicyGrant),
  audit: z.array(PolicyAuditEntry),
  enforcement: Enforcement,
  applied: ApplyState.optional(),
});
export type PolicyDetailResponse = z.infer<typeof PolicyDetailResponse>;

/**
 * Destinations kept per (device, proxy service): by `policy learn`'s observer
 * (src/policy/observe.ts), by the store (proxy_requests, migration 7) and in a proposal entry.
 */
export const MAX_PROXIED = 16;

/** A destination a device asked a proxy for: the proposal's peer is the proxy, this lies behind it. */
export const ProxiedDestination = z.object({
  /** An address or a host name, as the device asked the proxy for it. */
  host: z.string(),
  port: z.number().int().optional(),
  requests: z.number().int().nonnegative(),
  /** The proxy refused every request for it. */
  refused: z.literal(true).optional(),
  /** The rules whose alerts named this destination; absent when none fired for it. */
  alerts: z.array(z.string()).optional(),
});
export type ProxiedDestination = z.infer<typeof ProxiedDestination>;

/** One line of a learnt proposal, with the traffic it covers. */
export const ProposalEntry = z.object({
  decision: z.enum(['allow', 'deny']),
  rule: DenyRule,
  flows: z.number().int().nonnegative(),
  packets: z.number().int().nonnegative(),
  reason: z.string(),
  /**
   * The peer is a proxy (src/policy/learn-proxied.ts): the destinations seen behind it, at most MAX_PROXIED,
   * those an alert fired for first. The rule still names only the proxy — what a firewall sees.
   */
  proxied: z.array(ProxiedDestination).max(MAX_PROXIED).optional(),
});
export type ProposalEntry = z.infer<typeof ProposalEntry>;

/**
 * POST /api/policies/:device/propose (analyst): without `policy`, learn one from the device's
 * recorded traffic; with it, store the person's own (reviewed) policy as the next version.
 */
export const ProposeRequest = z
  .object({
    mode: PolicyMode.optional(),
    policy: z.unknown().optional(), // a DevicePolicy, validated by the route (field paths in the 400)
    note: z.string().max(2000).optional(),
  })
  .strict();
export type ProposeRequest = z.infer<typeof ProposeRequest>;

export const ProposeResponse = z.object({ version: PolicyVersion, entries: z.array(ProposalEntry) });
export type ProposeResponse = z.infer<typeof ProposeResponse>;

/** POST /api/policies/:device/simulate (analyst): a version (default the latest) against recorded traffic. */
export const SimulateRequest = z.object({ version: z.number().int().positive().optional() }).strict();
export type SimulateRequest = z.infer<typeof SimulateRequest>;

export const SimulatedFlow = z.object({
  direction: z.enum(['out', 'in']),
  dst: z.string(),
  port: z.number().int().optional(),
  proto: z.string(),
  app: z.string().optional(),
  names: z.array(z.string()).optional(),
  flows: z.number().int().nonnegative(),
  packets: z.number().int().nonnegative(),
  reason: z.string(),
});
export type SimulatedFlow = z.infer<typeof SimulatedFlow>;

export const SimulateResponse = z.object({
  device: z.string(),
  version: z.number().int().positive(),
  /** The version it is compared with (the applied one), if any. */
  against: z.number().int().positive().optional(),
  blocked: z.array(SimulatedFlow),
  allowed: z.array(SimulatedFlow),
  /** "never break monitoring": clinical flows this version would block. */
  warnings: z.array(z.string()),
  /** The compiled text and its line diff against what the applied version compiles to. */
  nftables: z.object({ text: z.string(), diff: z.array(z.string()) }),
  dnsmasq: z.object({ text: z.string(), diff: z.array(z.string()) }),
  compileWarnings: z.array(z.string()),
});
export type SimulateResponse = z.infer<typeof SimulateResponse>;

/** POST /api/policies/:device/apply (admin). */
export const ApplyRequest = z
  .object({
    version: z.number().int().positive(),
    /** Seconds until an unconfirmed apply rolls back by itself; 0 = confirmed at once. */
    confirmWithinS: z.number().int().min(0).max(3600).default(120),
    reason: z.string().min(1).max(2000),
    /** Apply even though the dry run blocks a clinical flow. */
    allowClinicalBlock: z.boolean().optional(),
  })
  .strict();
export type ApplyRequest = z.input<typeof ApplyRequest>;

export const ApplyResponse = z.object({
  applied: ApplyState,
  enforcement: Enforcement,
  diff: z.array(z.string()),
  conntrackDeleted: z.number().int().nonnegative(),
});
export type ApplyResponse = z.infer<typeof ApplyResponse>;

/** POST /api/policies/confirm and /api/policies/rollback (admin). */
export const ReasonRequest = z.object({ reason: z.string().min(1).max(2000) }).strict();
export type ReasonRequest = z.infer<typeof ReasonRequest>;

export const ConfirmResponse = z.object({ applied: ApplyState });
export type ConfirmResponse = z.infer<typeof ConfirmResponse>;

export const RollbackResponse = z.object({
  rolledBack: ApplyState,
  /** The version enforced again, if the rollback went back to one. */
  restored: ApplyState.optional(),
  diff: z.array(z.string()),
});
export type RollbackResponse = z.infer<typeof RollbackResponse>;

/** POST /api/policies/:device/grant (admin): a temporary exception that closes by itself. */
export const GrantRequest = z
  .object({
    to: z.string().min(1).max(253), // an address, a CIDR or a DNS name
    proto: z.enum(['tcp', 'udp', 'icmp', 'any']).default('any'),
    port: z.number().int().min(1).max(65535).optional(),
    forSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86400),
    reason: z.string().min(1).max(2000),
  })
  .strict();
export type GrantRequest = z.input<typeof GrantRequest>;

export const GrantResponse = z.object({ grant: PolicyGrant, live: z.boolean() });
export type GrantResponse = z.infer<typeof GrantResponse>;

export const POLICY_ROUTES = {
  policies: { method: 'GET', path: '/api/policies', auth: 'viewer' },
  policy: { method: 'GET', path: '/api/policies/:device', auth: 'viewer' },
  propose: { method: 'POST', path: '/api/policies/:device/propose', auth: 'analyst' },
  simulate: { method: 'POST', path: '/api/policies/:device/simulate', auth: 'analyst' },
  apply: { method: 'POST', path: '/api/policies/:device/apply', auth: 'admin' },
  grant: { method: 'POST', path: '/api/policies/:device/grant', auth: 'admin' },
  confirm: { method: 'POST', path: '/api/policies/confirm', auth: 'admin' },
  rollback: { method: 'POST', path: '/api/policies/rollback', auth: 'admin' },
} as const;
