// What each rule means to the person who reads its alert: a short title, what its alert's `count`
// counts (one meaning per rule, named), and what to do next in one or two lines, with the advisory
// link where there is one. Shared by every format (table, jsonl incident records, the report, the
// console): the text lives here once, beside the rule ids (config.ts) and their severities.
// Keyed by the rule id as a string so rules not yet landed (DESIGN.md's table) can have their
// text before their code; test/export/incidents.test.ts checks every RULE_IDS entry has one.

export interface RuleInfo {
  /** A phrase for "what happened", after the device: "talks to a published indicator address". */
  readonly title: string;
  /** What an alert's `count` counts: singular and plural ("flow", "flows"; "HL7 message", …). */
  readonly counts: readonly [string, string];
  /** The first step is to block the outside peers at the gateway (keeping the clinical feed). */
  readonly block?: boolean;
  /** The device's advisories apply (the incident names each with its link). */
  readonly advisory?: boolean;
  /** What else to do, one or two short lines. */
  readonly next: readonly string[];
  /** `next` is only for when nothing else in the incident says to block its outside peers. */
  readonly nextUnlessBlocked?: boolean;
}

export const RULE_INFO: Readonly<Record<string, RuleInfo>> = {
  'egress.ioc': {
    title: 'talks to published indicator addresses',
    counts: ['observation', 'observations'],
    block: true,
    advisory: true,
    next: [],
  },
  'egress.no-dns': {
    title: 'connects to hard-coded outside addresses (no DNS answer named them)',
    counts: ['flow', 'flows'],
    next: ['Find out why the device talks to that address; block it at the gateway unless it is a service you use.'],
    nextUnlessBlocked: true,
  },
  'phi.cleartext': {
    title: 'sends patient data in cleartext HL7',
    counts: ['HL7 message', 'HL7 messages'],
    block: true,
    next: ['Check the exposed patients in the breach report (wardwatch report CAPTURE --format html).'],
  },
  'rpc.outbound-nfs': {
    title: 'mounts or reads NFS shares from outside',
    counts: ['ONC-RPC call', 'ONC-RPC calls'],
    block: true,
    next: [
      'Audit the firmware (wardwatch firmware audit) and reflash from a trusted image: the device may run what it fetched.',
    ],
  },
  'device.vulnerable': {
    title: 'is a model with published advisories',
    counts: ['identification', 'identifications'],
    advisory: true,
    next: ['Until the advisory is applied keep the device on an isolated network (local monitoring only).'],
  },
  'service.insecure': {
    title: 'offers or uses cleartext remote access (telnet, ftp, rsh, …)',
    counts: ['session', 'sessions'],
    next: ['Disable the service on the device if it can be; otherwise allow it only from the biomed workstation.'],
  },
  'policy.violation': {
    title: 'makes flows its policy does not allow',
    counts: ['flow', 'flows'],
    next: ['Review each flow: allow it in the policy if it is clinical, otherwise enforce (wardwatch policy apply).'],
  },
  'egress.beacon': {
    title: 'calls an outside address at regular intervals (beacon)',
    counts: ['connection', 'connections'],
    block: true,
    next: ['Ask the vendor what the service is; keep it blocked unless it is documented and needed.'],
  },
  'device.new': {
    title: 'appeared after learning ended',
    counts: ['sighting', 'sightings'],
    next: ['Confirm the device belongs on this ward; add it to the inventory and give it a policy.'],
  },
  'inbound.outside': {
    title: 'is reached from an outside address',
    counts: ['connection', 'connections'],
    block: true,
    next: ['Close inbound paths from outside to ward devices; if a service answered, check the device for compromise.'],
  },
  'device.tls-change': {
    title: "changed its TLS client or its server's certificate",
    counts: ['change', 'changes'],
    next: ['Confirm the change with the vendor (firmware update, new server); treat it as suspect until then.'],
  },
  'dns.bypass': {
    title: "asks an outside DNS resolver directly instead of the site's",
    counts: ['query', 'queries'],
    block: true,
    next: ["Point the device at the site's resolver (DHCP option 6)."],
  },
};

const NEUTRAL: RuleInfo = { title: 'raised an alert', counts: ['observation', 'observations'], next: [] };

/** The info of a rule; a rule without text gets a neutral one rather than nothing. */
export function ruleInfo(rule: string): RuleInfo {
  return RULE_INFO[rule] ?? NEUTRAL;
}

/** "3 flows", "1 HL7 message": an alert's count with what it counts. */
export function countText(rule: string, n: number): string {
  const [one, many] = ruleInfo(rule).counts;
  return `${n} ${n === 1 ? one : many}`;
}

/** A rule's next steps on their own (the incident builder fills in addresses and advisories). */
export function ruleNext(rule: string): string[] {
  const i = ruleInfo(rule);
  return [
    ...(i.block ? ['Block the outside address at the gateway, keeping the clinical feed (central station) open.'] : []),
    ...(i.advisory ? ["Apply the vendor's advisory for this model."] : []),
    ...i.next,
  ];
}
