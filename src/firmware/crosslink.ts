// Firmware × traffic: which hard-coded outside peers the device actually contacted, and a
// proposed policy (src/contract/policy.ts, version 1) that denies every one of them — and never
// a device's clinical peers. With a capture of the device the allows are learned from its
// traffic (the engine's `policy learn`); without one the proposal is a deny list only (every
// peer not denied stays allowed: no empty allow list that blocks the central-station feed).
// A proposal that would match no device is an error, never a file that silently does nothing.
import { isIP } from 'node:net';
import { type DevicePolicy, type DenyRule, PolicyFile, type PolicyRule } from '../contract/policy.js';
import { WardwatchError } from '../errors.js';
import type { Finding } from './types.js';

/** Addresses seen as responders (contacted peers) in the capture(s). */
export type ContactedAddresses = Set<string>;

/** A device in the capture, as the engine saw and learned it. */
export interface CaptureDevice {
  readonly id: string;
  readonly model?: string;
  readonly class?: string;
  /** Its learned policy (`policy learn`): allows from its traffic, denies for backdoor-shaped flows. */
  readonly learned: DevicePolicy;
  /** Peers it talked to (either direction). */
  readonly peers: ReadonlySet<string>;
}

/** What a capture tells the cross-link: contacted addresses, and the devices with their learned policies. */
export interface CaptureView {
  readonly contacted: ContactedAddresses;
  readonly devices: readonly CaptureDevice[];
}

/** Reads capture files (the engine in the CLI, a stub in tests): contacted addresses, or the full view. */
export type ContactSource = (captures: readonly string[]) => Promise<ContactedAddresses | CaptureView>;

export interface CrossLink {
  contacted: string[];
  notContacted: string[];
  proposedPolicy: PolicyFile;
  warnings: string[];
}

export interface CrossLinkOptions {
  /** The user named the model (`--model`); otherwise `model` is the image's file name. */
  readonly modelGiven?: boolean;
  /** Catalog model names a device can be matched by; checked when no capture shows the device. */
  readonly knownModels?: readonly string[];
  /** Device classes (`patient-monitor`, …): a `--model` naming one matches by class. */
  readonly knownClasses?: readonly string[];
  /**
   * The user asked for the policy (`--policy-out`; the default): one that would match no device is
   * an error. `false` (a `--capture` cross-link only) falls back to a deny list, with a warning.
   */
  readonly strict?: boolean;
}

function canonical(address: string): string {
  return isIP(address) === 6 ? address.toLowerCase() : address.toLowerCase().replace(/\.$/, '');
}

/** Hard-coded outside peers, each with the findings that name it (first one is the reason). */
export function outsidePeers(findings: readonly Finding[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.zone !== 'outside' || !f.address) continue;
    const key = canonical(f.address);
    const list = out.get(key) ?? [];
    list.push(f);
    out.set(key, list);
  }
  return out;
}

const lc = (s: string | undefined) => (s ?? '').toLowerCase();

/** "Everything not denied": a deny-list proposal spelled in the allowlist format. */
const ALLOW_REST: readonly PolicyRule[] = [
  {
    peer: '0.0.0.0/0',
    proto: 'any',
    note: 'deny list only: every peer not denied above passes (no capture to learn from)',
  },
  { peer: '::/0', proto: 'any', note: 'deny list only: every peer not denied above passes (no capture to learn from)' },
];

/** The catalog model (or class) `model` names: exact, else the one model containing it. */
function resolveModel(model: string, known: readonly string[]): string | undefined {
  const exact = known.find((k) => lc(k) === lc(model));
  if (exact !== undefined) return exact;
  const partial = known.filter((k) => lc(k).includes(lc(model)));
  return partial.length === 1 ? partial[0] : undefined;
}

/** `contacted` undefined: no capture was given; the proposal still denies every outside peer. */
export function crossLink(
  findings: readonly Finding[],
  contacted: ContactedAddresses | CaptureView | undefined,
  model: string,
  opts: CrossLinkOptions = {},
): CrossLink {
  const view = contacted instanceof Set ? undefined : contacted;
  const addresses = contacted instanceof Set ? contacted : contacted?.contacted;
  const seen = new Set([...(addresses ?? [])].map(canonical));
  const peers = outsidePeers(findings);
  const names = [...peers.keys()].sort();
  const warnings: string[] = [];
  const deny: DenyRule[] = names.map((peer) => {
    const why = peers.get(peer)!;
    const where = [...new Set(why.map((f) => `${f.file}${f.line ? `:${f.line}` : ''} (${f.id})`))].slice(0, 3);
    const literal = isIP(peer) !== 0;
    const state = !literal
      ? 'a host name (matched through DNS answers)'
      : addresses === undefined
        ? 'no capture checked'
        : seen.has(peer)
          ? 'contacted in the capture'
          : 'not contacted in the capture';
    return { peer, proto: 'any' as const, reason: `hard-coded in ${where.join(', ')}; ${state}` };
  });
  const denied = new Set(deny.map((d) => d.peer));
  let devices: DevicePolicy[] | undefined;
  if (view !== undefined) {
    // The device this firmware runs on: by the model named, else the ones that reached a hard-coded peer.
    let targets = opts.modelGiven
      ? view.devices.filter((d) => lc(d.model) === lc(model) || lc(d.class) === lc(model))
      : [];
    if (targets.length === 0) targets = view.devices.filter((d) => [...d.peers].some((p) => denied.has(canonical(p))));
    if (targets.length === 0 && opts.strict === false)
      warnings.push('no device in the capture matches the image: the proposed policy is a deny list by model');
    else if (targets.length === 0)
      throw new WardwatchError(
        'WW_FIRMWARE',
        `the proposed policy would match no device in the capture: no device there is ${opts.modelGiven ? `model or class '${model}'` : 'named by --model'} and none contacted a hard-coded outside peer of the image (${names.join(', ') || 'none found'}); give --model with the model the inventory shows, or a capture of this device`,
        { field: '--policy-out' },
      );
    if (targets.length > 0)
      devices = targets.map((d) => ({
        name: `firmware audit: ${d.model ?? model} ${d.id}`,
        match: d.learned.match,
        // A proposal for a person to review (DESIGN.md "Policy"): never enforced by itself.
        mode: 'alert',
        ...(d.learned.schedule !== undefined ? { schedule: d.learned.schedule } : {}),
        // What the device was seen doing (its clinical peers first of all) stays allowed, except hard-coded peers.
        allow: d.learned.allow.filter((r) => !denied.has(canonical(r.peer))),
        deny: [...deny, ...d.learned.deny.filter((r) => !denied.has(canonical(r.peer)))],
      }));
  }
  if (devices === undefined) {
    let match: DevicePolicy['match'] = { model };
    const cls = opts.knownClasses?.find((c) => lc(c) === lc(model));
    if (cls !== undefined) match = { class: cls };
    else if (opts.knownModels !== undefined && opts.strict !== false) {
      const known = resolveModel(model, opts.knownModels);
      if (known === undefined)
        throw new WardwatchError(
          'WW_FIRMWARE',
          `the proposed policy would match devices of model '${model}', which is no catalog model or device class, so it would match no device: give --model with one of ${opts.knownModels.slice(0, 12).join(', ')}${opts.knownModels.length > 12 ? ', …' : ''} (or a device class), or --capture with the device's traffic`,
          { field: '--model' },
        );
      if (known !== model) warnings.push(`--model '${model}' taken as the catalog's '${known}'`);
      match = { model: known };
    }
    devices = [
      {
        name: `firmware audit: ${match.model ?? match.class ?? model}`,
        match,
        mode: 'alert',
        allow: [...ALLOW_REST],
        deny,
      },
    ];
  }
  // Learned rules are policy version 2 (`policy learn` writes that); a deny list is version 1.
  const learned = devices.some((d) => d.match.mac !== undefined || d.match.ip !== undefined);
  const proposedPolicy = PolicyFile.parse({ version: learned ? 2 : 1, devices });
  return {
    contacted: names.filter((n) => seen.has(n)),
    notContacted: names.filter((n) => !seen.has(n) && isIP(n) !== 0),
    proposedPolicy,
    warnings,
  };
}
