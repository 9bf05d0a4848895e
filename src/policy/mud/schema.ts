// The parts of an IETF MUD file (RFC 8520: ietf-mud + ietf-access-control-list, RFC 8519, with
// ietf-acldns) that a wardwatch policy can say. Read leniently (unknown keys pass), written strictly.
import { z } from 'zod';

const Port = z.object({ operator: z.string().default('eq'), port: z.number().int().min(0).max(65535) }).passthrough();
const L4 = z
  .object({
    'source-port': Port.optional(),
    'destination-port': Port.optional(),
    'ietf-mud:direction-initiated': z.enum(['from-device', 'to-device']).optional(),
  })
  .passthrough();
const MudMatch = z
  .object({
    // RFC 8520 writes [null]; some generators write [].
    'local-networks': z.array(z.null()).optional(),
    controller: z.string().optional(),
    'my-controller': z.array(z.null()).optional(),
    manufacturer: z.string().optional(),
    'same-manufacturer': z.array(z.null()).optional(),
  })
  .passthrough();
export const Ace = z
  .object({
    name: z.string(),
    matches: z
      .object({
        ipv4: z
          .object({
            protocol: z.number().int().optional(),
            'destination-ipv4-network': z.string().optional(),
            'source-ipv4-network': z.string().optional(),
            'ietf-acldns:dst-dnsname': z.string().optional(),
            'ietf-acldns:src-dnsname': z.string().optional(),
          })
          .passthrough()
          .optional(),
        tcp: L4.optional(),
        udp: L4.optional(),
        'ietf-mud:mud': MudMatch.optional(),
      })
      .passthrough()
      .default({}),
    actions: z.object({ forwarding: z.enum(['accept', 'drop', 'reject']) }).passthrough(),
  })
  .passthrough();
export type Ace = z.infer<typeof Ace>;

const Acl = z
  .object({ name: z.string(), type: z.string().optional(), aces: z.object({ ace: z.array(Ace) }) })
  .passthrough();
const AclRefs = z.object({ 'access-lists': z.object({ 'access-list': z.array(z.object({ name: z.string() })) }) });

export const MudFile = z
  .object({
    'ietf-mud:mud': z
      .object({
        'mud-version': z.number().int().optional(),
        'mud-url': z.string(),
        'last-update': z.string().optional(),
        'cache-validity': z.number().int().optional(),
        'is-supported': z.boolean().optional(),
        systeminfo: z.string().optional(),
        'mfg-name': z.string().optional(),
        'model-name': z.string().optional(),
        'from-device-policy': AclRefs.optional(),
        'to-device-policy': AclRefs.optional(),
      })
      .passthrough(),
    'ietf-access-control-list:acls': z.object({ acl: z.array(Acl) }).optional(),
    // The key of early drafts and of some generators.
    'ietf-access-control-list:access-lists': z.object({ acl: z.array(Acl) }).optional(),
  })
  .passthrough();
export type MudFile = z.infer<typeof MudFile>;
