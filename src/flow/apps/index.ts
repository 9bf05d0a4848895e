// The application analyzers, in probe order: the most specific content signatures first
// (MLLP's 0x0B 'MSH', DICOM's A-ASSOCIATE header) so that HL7 on port 515 is found by content.
import type { TcpAppFactory, UdpAppFactory } from '../app.js';
import { bannerApp } from './banner.js';
import { dhcpApp } from './dhcp.js';
import { dicomApp } from './dicom.js';
import { dnsTcpApp, dnsUdpApp } from './dns.js';
import { hl7App } from './hl7.js';
import { httpApp } from './http.js';
import { quicApp } from './quic.js';
import { rpcTcpApp, rpcUdpApp } from './rpc.js';
import { tlsApp } from './tls.js';
import { ntpApp } from './ntp.js';
import { tftpApp } from './tftp.js';
import { syslogTcpApp, syslogUdpApp } from './syslog.js';
import { snmpApp } from './snmp.js';

import { nbdgmApp, nbnsApp } from './netbios.js';
import { rdpApp, teamviewerApp, vncApp } from './remote.js';
import { sipApp } from './sip.js';
import { smbApp } from './smb.js';
import { ssdpApp } from './ssdp.js';
import { mqttApp } from './mqtt.js';
import { dhcpv6App } from './dhcpv6.js';
import { rtcpApp, rtpApp } from './rtp.js';
import { socksApp } from './socks.js';

/**
 * LAN and remote-access analyzers, probed after the others so that no flow they named before
 * changes hands — except NBNS, whose messages are DNS-shaped: it goes before DNS, and its probe
 * takes only port 137 with a NetBIOS-encoded name.
 */
const LAN_TCP: readonly TcpAppFactory[] = [smbApp, rdpApp, vncApp, teamviewerApp, mqttApp];
const LAN_UDP: readonly UdpAppFactory[] = [nbdgmApp, ssdpApp, sipApp, dhcpv6App, rtcpApp, rtpApp];

export const tcpApps: readonly TcpAppFactory[] = [
  hl7App,
  dicomApp,
  tlsApp,
  rpcTcpApp,
  httpApp,
  bannerApp,
  dnsTcpApp,
  syslogTcpApp,
  ...LAN_TCP,
  // Last: a SOCKS request's signature is a version byte and a few fields, the weakest of all, so
  // every other analyzer's content 'yes' wins; port 1080 names it when the content cannot.
  socksApp,
];

export const udpApps: readonly UdpAppFactory[] = [
  nbnsApp,
  dnsUdpApp,
  dhcpApp,
  rpcUdpApp,
  ntpApp,
  tftpApp,
  syslogUdpApp,
  snmpApp,
  quicApp,
  ...LAN_UDP,
];
