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

export const tcpApps: readonly TcpAppFactory[] = [hl7App, dicomApp, tlsApp, rpcTcpApp, httpApp, bannerApp, dnsTcpApp];

export const udpApps: readonly UdpAppFactory[] = [dnsUdpApp, dhcpApp, rpcUdpApp, quicApp];
