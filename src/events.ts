// The shared vocabulary: every stage after `flow` reads these and nothing else.
// Plain readonly objects, cheap to create. Times are microseconds since the Unix epoch
// (a double holds them exactly until the year 2255).
//
// Invariant: no event carries a patient name, birth date or identifier in clear.
// `hl7-message` carries salted hashes and the *names* of identifying fields present.
import type { AnomalyCode } from './decode/anomalies.js';

export type Micros = number;

export type L4Proto = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'other';

/** An address on the wire. `mac` is the Ethernet source/destination when the link has one. */
export interface Endpoint {
  readonly ip: string;
  readonly port?: number;
  readonly mac?: string;
}

interface Base {
  readonly ts: Micros;
}

interface FlowBase extends Base {
  /** Unique within one analysis run. */
  readonly flowId: number;
  /** The originator of the flow (first packet seen, or SYN sender). */
  readonly src: Endpoint;
  /** The responder. */
  readonly dst: Endpoint;
  readonly vlan?: number;
}

/** A (MAC, IP) pair seen as a packet source (IP, ARP or DHCP). Emitted once per pair per run. */
export interface DeviceSeen extends Base {
  readonly type: 'device-seen';
  readonly mac: string;
  readonly ip?: string;
  readonly vlan?: number;
  /** How the pair was seen: 'ndp' is IPv6 neighbour discovery (ICMPv6 133–137), IPv6's ARP. */
  readonly via: 'ip' | 'arp' | 'dhcp' | 'ndp';
}

export interface DhcpLease extends Base {
  readonly type: 'dhcp-lease';
  /** DHCP message type name: DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM, or BOOTP. */
  readonly msgType: string;
  /** chaddr of the client. */
  readonly clientMac: string;
  readonly xid: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly clientIp?: string; // ciaddr
  readonly yourIp?: string; // yiaddr (address handed out)
  readonly requestedIp?: string; // option 50
  readonly serverId?: string; // option 54
  readonly leaseTime?: number; // option 51, seconds
  readonly hostname?: string; // option 12
  readonly vendorClass?: string; // option 60
  readonly paramList?: readonly number[]; // option 55, the fingerprint
  readonly clientId?: string; // option 61, hex
  readonly routers?: readonly string[]; // option 3
  readonly dnsServers?: readonly string[]; // option 6
  readonly ntpServers?: readonly string[]; // option 42
  readonly domain?: string; // option 15
}

export interface DnsRecord {
  readonly name: string;
  readonly type: string; // 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'MX' | 'TXT' | ... | 'TYPE65'
  readonly ttl: number;
  readonly data: string; // address, target name, or a short text rendering
}

/** A DNS response (also mDNS/LLMNR responses on their ports). */
export interface DnsAnswer extends Base {
  readonly type: 'dns-answer';
  readonly flowId: number;
  /** The host that asked (destination of the response). */
  readonly asker: string;
  /** The host that answered. */
  readonly server: string;
  readonly id: number;
  readonly rcode: number;
  readonly query: string; // first question name ('' when none)
  readonly qtype: string;
  readonly answers: readonly DnsRecord[];
  /** Authority and additional records (glue addresses, SOA), without EDNS OPT pseudo-records. */
  readonly extra?: readonly DnsRecord[];
  /**
   * Address records with the CNAME chain followed back to the question: for each A/AAAA in the
   * answer, the name the asker actually looked up (and the chain in between).
   */
  readonly resolved: readonly {
    readonly address: string;
    readonly name: string;
    readonly ttl: number;
    readonly chain: readonly string[];
  }[];
}

/** A DNS query (emitted so that "asked but never answered" can be explained). */
export interface DnsQuery extends Base {
  readonly type: 'dns-query';
  readonly flowId: number;
  readonly asker: string;
  readonly server: string;
  readonly id: number;
  readonly query: string;
  readonly qtype: string;
}

/**
 * The outermost tunnel a flow's first packet arrived in (a mirror's ERSPAN/VXLAN/GRE, IP-in-IP,
 * Teredo): `src`/`dst` are the outer addresses, the flow's own endpoints are the inner hosts.
 */
export interface FlowTunnel {
  readonly kind: 'gre' | 'erspan' | 'vxlan' | 'geneve' | 'ipip' | '6in4' | 'teredo';
  readonly src: string;
  readonly dst: string;
  /** VXLAN/Geneve VNI, GRE key or ERSPAN session id, when the tunnel has one. */
  readonly id?: number;
}

export interface FlowStart extends FlowBase {
  readonly type: 'flow-start';
  readonly proto: L4Proto;
  /** True when the originator was identified by a TCP SYN (not guessed from the first packet seen). */
  readonly syn: boolean;
  readonly tunnel?: FlowTunnel;
}

export interface FlowEnd extends FlowBase {
  readonly type: 'flow-end';
  readonly proto: L4Proto;
  readonly first: Micros;
  readonly last: Micros;
  /** [originator→responder, responder→originator] */
  readonly packets: readonly [number, number];
  readonly bytes: readonly [number, number];
  /** Application recognised on the flow, if any ('http', 'tls', 'hl7', 'dicom', 'rpc', 'dns', ...). */
  readonly app?: string;
  /**
   * 'port': the app was named from the server port alone (no analyzer of ours read it);
   * 'heuristic': by a guess its analyzer confirmed (RTP without SDP: stable SSRC, rising sequence).
   */
  readonly appBy?: 'content' | 'port' | 'heuristic';
  /** A data flow (FTP data, TFTP transfer): the control or request flow that announced it. */
  readonly controlFlowId?: number;
  readonly reason: 'fin' | 'rst' | 'idle' | 'evicted' | 'eof';
  readonly tunnel?: FlowTunnel;
}

export interface TlsHello extends FlowBase {
  readonly type: 'tls-hello';
  readonly sni?: string;
  readonly alpn?: readonly string[];
  /** Highest version offered: 'TLS 1.3' when supported_versions lists it, else the ClientHello version. */
  readonly version: string;
  readonly certSubject?: string;
  /** 'quic' when the ClientHello came in QUIC Initial packets (src/flow/apps/quic.ts); absent for TLS over TCP. */
  readonly transport?: 'tcp' | 'quic';
  /** JA4 (FoxIO) of the ClientHello, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`. */
  readonly ja4?: string;
  /** JA3: MD5 (hex) of the JA3 string (Salesforce), for SIEMs that still match it. */
  readonly ja3?: string;
  /** The server's certificate chain as sent in clear (TLS ≤ 1.2), leaf first. */
  readonly certs?: readonly TlsCertificate[];
}

export interface TlsCertificate {
  /** SHA-256 of the certificate's DER, lower-case hex. */
  readonly sha256: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore?: string;
  readonly notAfter?: string;
  /** Issuer and subject are the same name (the signature is not checked). */
  readonly selfSigned: boolean;
}

export interface HttpRequest extends FlowBase {
  readonly type: 'http-request';
  readonly method: string;
  /** The request target redacted (`decode/uri-privacy.ts`): no userinfo, query or matrix values,
   * fragment, or identifier-like path segment (each `:id`). */
  readonly uri: string;
  readonly version: string;
  readonly host?: string;
  readonly userAgent?: string;
}

export interface HttpResponse extends FlowBase {
  readonly type: 'http-response';
  readonly status: number;
  readonly reason: string;
  readonly version: string;
  readonly server?: string;
}

/**
 * A client asked a proxy to reach a destination for it (issue 18's tunnels): an HTTP CONNECT or
 * absolute-form request (`GET http://host/…`), or a SOCKS 4/4a/5 request. `src` is the client and
 * `dst` the proxy; `target*` is where the proxy was asked to go, as the client wrote it. Told when
 * the proxy answers, or at the flow's end when no answer was seen (none came, or the capture lost
 * it), with the request's time — as `rpc-call` is. SOCKS user names and passwords never leave the
 * analyzer; an absolute URI's userinfo is dropped.
 */
export interface ProxyRequest extends FlowBase {
  readonly type: 'proxy-request';
  readonly protocol: 'http' | 'socks4' | 'socks4a' | 'socks5';
  /** 'connect' (HTTP CONNECT, SOCKS CONNECT), 'bind', 'udp-associate' (SOCKS), or 'forward' (an absolute-form HTTP request). */
  readonly command: 'connect' | 'bind' | 'udp-associate' | 'forward';
  /** The HTTP method of a forwarded request ('GET', 'POST', …). */
  readonly method?: string;
  /** A host name (lower case) or an address literal (IPv6 without brackets). */
  readonly targetHost: string;
  /** The target's address when the client gave one (an address literal), in canonical form. */
  readonly targetIp?: string;
  readonly targetPort?: number;
  /** An answer from the proxy was seen. */
  readonly answered: boolean;
  /** The proxy said yes: HTTP 2xx, SOCKS4 90, SOCKS5 0. Absent when unanswered. */
  readonly granted?: boolean;
  /** The proxy's answer code: the HTTP status, SOCKS4's CD (90–93), SOCKS5's REP (0–8). */
  readonly status?: number;
}

export interface Hl7Observation {
  /** OBX-3 identifier, e.g. '150456' */
  readonly code: string;
  /** OBX-3 text, e.g. 'MDC_PULS_OXIM_SAT_O2' */
  readonly text?: string;
  /** Named vital when the code is a known IEEE 11073 MDC code: 'spo2', 'pulse', 'hr', 'nibp-sys', ... */
  readonly vital?: string;
  readonly value: string; // OBX-5: numeric observations only leave the decoder (never free text)
  readonly unit?: string; // OBX-6 identifier
  readonly status?: string; // OBX-11
}

export interface Hl7Message extends FlowBase {
  readonly type: 'hl7-message';
  readonly messageType: string; // MSH-9 as 'ORU^R01'
  readonly sendingApp?: string; // MSH-3 (component 1)
  readonly sendingFacility?: string; // MSH-4
  readonly receivingApp?: string; // MSH-5
  readonly receivingFacility?: string; // MSH-6
  readonly time?: string; // MSH-7 as sent
  readonly controlId?: string; // MSH-10
  readonly version?: string; // MSH-12
  /** Salted hashes (hex) of PID-3 identifiers (first component of each repetition). */
  readonly patientHashes: readonly string[];
  /** Identifying fields present, e.g. ['PID-3', 'PID-5', 'PID-7']. */
  readonly fieldsPresent: readonly string[];
  readonly location?: string; // PV1-3 point of care (bed), not identifying
  readonly observations: readonly Hl7Observation[];
  /** Equipment the message names: PRT-10 (v2.7+ participation device) and OBX-18 (equipment instance id), as EI text. */
  readonly equipment?: readonly string[];
  /** MSA-1 for ACKs: 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR' */
  readonly ackCode?: string;
  readonly ackControlId?: string; // MSA-2
  readonly segments: number;
  readonly bytes: number;
  /**
   * Sent inside a granted tunnel through a proxy (an HTTP CONNECT or SOCKS CONNECT to an address):
   * where the proxy was asked to connect, and the proxy (the flow's responder).
   */
  readonly proxied?: ProxiedTo;
}

/** The destination behind a proxy that a tunnelled message went to. */
export interface ProxiedTo {
  readonly target: Endpoint;
  readonly proxy: Endpoint;
}

export interface DicomAssociation extends FlowBase {
  readonly type: 'dicom-association';
  readonly pdu: 'rq' | 'ac' | 'rj' | 'release' | 'abort';
  readonly calledAe?: string;
  readonly callingAe?: string;
  readonly appContext?: string;
  readonly contexts?: readonly {
    readonly id: number;
    readonly abstractSyntax?: string;
    readonly name?: string;
    readonly transferSyntaxes: readonly string[];
    readonly result?: number;
  }[];
  readonly maxLength?: number;
  readonly implementationClass?: string;
  readonly implementationVersion?: string;
  readonly rejectReason?: string;
}

export interface RpcCall extends FlowBase {
  readonly type: 'rpc-call';
  readonly transport: 'tcp' | 'udp';
  readonly xid: number;
  readonly prog: number;
  readonly progName?: string; // 'portmap' | 'mount' | 'nfs' | 'nlockmgr' | ...
  readonly vers: number;
  readonly proc: number;
  readonly procName?: string; // 'GETPORT', 'MNT', 'UMNT', 'READ', ...
  /** MOUNT MNT/UMNT directory path, or NFS file name where the call carries one. */
  readonly path?: string;
  /** NFS v2/v3: the file handle the call works on (hex of the handle's bytes). */
  readonly fh?: string;
  /**
   * Filled when the reply was seen (the event is emitted at reply time, or at flow end without
   * one). `fh`: the handle the reply handed out (MOUNT MNT's export root, NFS LOOKUP's object).
   */
  readonly reply?: {
    readonly accepted: boolean;
    readonly status: number;
    readonly port?: number;
    readonly fh?: string;
  };
  /** For portmapper GETPORT: the program asked about. */
  readonly lookupProg?: number;
}

export interface ServiceBanner extends FlowBase {
  readonly type: 'service-banner';
  readonly service: 'ftp' | 'telnet' | 'smtp' | 'ssh' | 'pop3' | 'imap' | 'tftp' | 'rlogin' | 'other';
  /** The server's greeting (first line, printable, ≤ 200 chars). Empty for telnet option negotiation. */
  readonly banner: string;
}

/**
 * What a host says about itself on the LAN (NetBIOS name/datagram service, SMB session setup,
 * SSDP, SIP): its names, workgroup or domain, OS and software strings, and announced services.
 * mDNS and LLMNR answers arrive as `dns-answer` and are read by the inventory directly.
 */
export interface HostIdentity extends FlowBase {
  readonly type: 'host-identity';
  readonly via: 'nbns' | 'nbdgm' | 'smb' | 'ssdp' | 'sip';
  /** The end the facts are about (the flow's src or dst endpoint object). */
  readonly host: Endpoint;
  readonly names: readonly string[];
  readonly workgroup?: string;
  readonly os?: string;
  /** SSDP SERVER, SIP User-Agent/Server, SMB NativeLanMan. */
  readonly software?: string;
  /** Announced service types (SSDP NT/ST, NetBIOS name roles such as 'file-server'). */
  readonly services: readonly string[];
  /** SSDP LOCATION/AL, redacted as `http-request.uri` is. */
  readonly location?: string;
}

/** An SMB NEGOTIATE seen: dialects offered by the client and the one the server chose. */
export interface SmbNegotiate extends FlowBase {
  readonly type: 'smb-negotiate';
  readonly dialectsOffered: readonly string[];
  readonly dialect?: string;
  /** The client offered an SMB1 dialect ('NT LM 0.12', …). */
  readonly smb1Offered: boolean;
  /** The server answered in SMB1 (chose an SMB1 dialect). */
  readonly smb1Used: boolean;
  readonly signingRequired?: boolean;
}

/** A remote-access handshake (RDP, VNC, SSH, TeamViewer, AnyDesk): the server is `dst`. */
export interface RemoteAccess extends FlowBase {
  readonly type: 'remote-access';
  readonly service: 'rdp' | 'vnc' | 'ssh' | 'teamviewer' | 'anydesk';
  /** Protocol version (RFB '3.8'), when the handshake names one. */
  readonly version?: string;
  /** Security offered or selected: RDP 'rdp'/'tls'/'credssp', VNC 'none'/'vnc-auth'/… */
  readonly security: readonly string[];
  /** The server let the client in without authentication (VNC security type None chosen or sole offer). */
  readonly unauthenticated: boolean;
  /** RDP: a 'mstshash' cookie (a user hint) was sent; the name itself is never read. */
  readonly userHint?: boolean;
}

export interface ArpSeen extends Base {
  readonly type: 'arp';
  readonly op: number; // 1 request, 2 reply
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
}

/** Something on the wire did not parse as its protocol says. Never an error: counted and shown. */
export interface AnomalyEvent extends Base {
  readonly type: 'anomaly';
  /** Named code, `<protocol>.<what>`: 'ipv4.bad-ihl', 'dns.pointer-loop', 'mllp.unterminated', ... */
  readonly code: AnomalyCode;
  readonly flowId?: number;
  readonly src?: Endpoint;
  readonly dst?: Endpoint;
  readonly detail?: string;
}

// Issue 19 (proto-a): syslog, SNMP, NTP, TFTP/FTP data. In each, `src` is the
// sender of that message and `dst` its receiver (not the flow's originator), as in DhcpLease.
interface MessageBase extends Base {
  readonly flowId: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly vlan?: number;
}

/** One NTP packet (RFC 5905): who asks whom for the time, and what that server trusts. */
export interface NtpMessage extends MessageBase {
  readonly type: 'ntp-message';
  readonly mode: string; // 'client' | 'server' | 'symmetric-active' | 'broadcast' | 'control' | ...
  readonly version: number;
  readonly stratum: number;
  /** Reference id: a clock name ('GPS'), a kiss code, or the upstream server's address. */
  readonly refId?: string;
}

/** One syslog message (RFC 3164 / 5424). The message text never leaves the analyzer. */
export interface SyslogMessage extends MessageBase {
  readonly type: 'syslog-message';
  readonly transport: 'udp' | 'tcp';
  readonly format: 'rfc5424' | 'rfc3164' | 'bare';
  readonly facility?: number;
  readonly severity?: number;
  readonly hostname?: string;
  readonly appName?: string;
  /** True when the text held HL7 segments with patient fields (an `hl7-message` is emitted for them). */
  readonly patientData: boolean;
}

/** One SNMP message (RFC 1157, 3416, 3412). Community strings never leave the decoder: only their class. */
export interface SnmpMessage extends MessageBase {
  readonly type: 'snmp-message';
  readonly version: 'v1' | 'v2c' | 'v3';
  /** 'get' | 'get-next' | 'get-bulk' | 'set' | 'response' | 'trap' | 'inform' | 'report' | 'encrypted' | ... */
  readonly pdu: string;
  /** v1/v2c: 'public' or 'private' (the defaults), 'empty', or 'other'. Absent for v3. */
  readonly community?: 'public' | 'private' | 'empty' | 'other';
  /** v3: a user name was present (never the name). */
  readonly v3User?: boolean;
  readonly sysName?: string;
  readonly sysDescr?: string;
  readonly sysObjectId?: string;
  /** snmpTrapOID.0 (v2c) or enterprise.specific (v1). */
  readonly trapOid?: string;
}

/** A file named in a TFTP request or an FTP command (names only), with the flow that carries it. */
export interface FileTransfer extends MessageBase {
  readonly type: 'file-transfer';
  readonly protocol: 'tftp' | 'ftp';
  readonly op: 'read' | 'write' | 'list';
  readonly fileName: string;
}

/**
 * An MQTT control packet that names something (issue 19): a CONNECT (client id, protocol, whether a
 * user name and password were sent — never their values —, will topic), or a topic *name* published
 * or subscribed to (never the payload; the analyzer emits each topic once per flow, bounded).
 * `src` is the packet's sender; `fromClient` says whether that is the MQTT client (else the broker).
 */
export interface MqttMessage extends MessageBase {
  readonly type: 'mqtt-message';
  readonly packet: 'connect' | 'publish' | 'subscribe';
  readonly fromClient: boolean;
  readonly protocol?: '3.1' | '3.1.1' | '5';
  readonly clientId?: string;
  readonly username?: boolean;
  readonly password?: boolean;
  readonly willTopic?: string;
  readonly topics: readonly string[];
}

/**
 * One DHCPv6 message (RFC 8415), relays unwrapped: `src` is its sender. The client's DUID (with the
 * MAC it carries for DUID-LLT/LL) ties the IPv6 identity to the device's DHCPv4 one.
 */
export interface Dhcpv6Message extends MessageBase {
  readonly type: 'dhcpv6-message';
  readonly msgType: string;
  readonly xid: number;
  readonly fromClient: boolean;
  /** The client's DUID as hex, its type, and the MAC inside it (LLT/LL over Ethernet). */
  readonly clientDuid?: string;
  readonly duidType?: number;
  readonly duidMac?: string;
  readonly serverDuid?: string;
  readonly fqdn?: string;
  readonly vendorEnterprise?: number;
  readonly vendorClass?: readonly string[];
  readonly userClass?: readonly string[];
  /** Option request list (option 6): a fingerprint, like DHCPv4's option 55. */
  readonly oro?: readonly number[];
  readonly addresses: readonly string[];
  /** Relayed: the client's address as the innermost relay saw it. */
  readonly relayPeer?: string;
}

/**
 * An RTP or RTCP flow, told once at its end (issue 19): how it was named (a SIP SDP offer/answer,
 * or the RTP heuristic), its packets each way, distinct SSRCs (streams) and payload types.
 * `src`/`dst` are the flow's ends. Media is never decoded.
 */
export interface MediaStreamEvent extends FlowBase {
  readonly type: 'media-stream';
  readonly protocol: 'rtp' | 'rtcp';
  readonly by: 'sdp' | 'heuristic';
  readonly packets: readonly [number, number];
  readonly streams: number;
  readonly payloadTypes: readonly number[];
  /** The SIP flow whose SDP announced it. */
  readonly controlFlowId?: number;
}

export type WardEvent =
  | DeviceSeen
  | DhcpLease
  | DnsAnswer
  | DnsQuery
  | FlowStart
  | FlowEnd
  | TlsHello
  | HttpRequest
  | HttpResponse
  | ProxyRequest
  | Hl7Message
  | DicomAssociation
  | RpcCall
  | ServiceBanner
  | HostIdentity
  | SmbNegotiate
  | RemoteAccess
  | ArpSeen
  | AnomalyEvent
  | NtpMessage
  | SyslogMessage
  | SnmpMessage
  | FileTransfer
  | MqttMessage
  | Dhcpv6Message
  | MediaStreamEvent;

export type WardEventType = WardEvent['type'];

export type EventSink = (ev: WardEvent) => void;
