// Every anomaly code wardwatch names, one closed type built from each decoder's list (each code
// has its one-line comment there). A code that is not listed does not compile: the flow
// engine's `anomaly`, the analyzers' `ctx.anomaly`, the anomaly event and the summary's counts
// all take an `AnomalyCode`.
import { CAPTURE_ANOMALIES } from './capture-anomaly.js';
import { DHCP_ANOMALIES } from './dhcp.js';
import { DICOM_ANOMALIES } from './dicom/dicom.js';
import { DNS_ANOMALIES } from './dns/dns.js';
import { HL7_ANOMALIES } from './hl7/hl7.js';
import { MLLP_ANOMALIES } from './hl7/mllp.js';
import { HTTP_ANOMALIES } from './http.js';
import { L2L4_ANOMALIES, TCP_STREAM_ANOMALIES } from './l2l4-anomaly.js';
import { QUIC_ANOMALIES } from './quic.js';
import { RPC_ANOMALIES } from './rpc/rpc.js';
import { TLS_ANOMALIES } from './tls.js';
import { NTP_ANOMALIES } from './ntp/ntp.js';
import { FTP_ANOMALIES } from './ftp.js';
import { TFTP_ANOMALIES } from './tftp/tftp.js';
import { SYSLOG_ANOMALIES } from './syslog/syslog.js';
import { SNMP_ANOMALIES } from './snmp/snmp.js';
import { NBDGM_ANOMALIES } from './netbios/dgm.js';
import { NBNS_ANOMALIES } from './netbios/nbns.js';
import { REMOTE_ANOMALIES } from './remote.js';
import { SMB_ANOMALIES } from './smb/smb.js';
import { SIP_ANOMALIES } from './sip.js';
import { SSDP_ANOMALIES } from './ssdp.js';
import { MQTT_ANOMALIES } from './mqtt.js';
import { DHCPV6_ANOMALIES } from './dhcpv6.js';
import { RTP_ANOMALIES } from './rtp.js';
import { SOCKS_ANOMALIES } from './socks.js';

/** The lists by the file that documents them (tests read the comments there). */
export const ANOMALY_LISTS = {
  'src/decode/capture-anomaly.ts': CAPTURE_ANOMALIES,
  'src/decode/l2l4-anomaly.ts': [...L2L4_ANOMALIES, ...TCP_STREAM_ANOMALIES],
  'src/decode/dns/dns.ts': DNS_ANOMALIES,
  'src/decode/dhcp.ts': DHCP_ANOMALIES,
  'src/decode/tls.ts': TLS_ANOMALIES,
  'src/decode/http.ts': HTTP_ANOMALIES,
  'src/decode/hl7/mllp.ts': MLLP_ANOMALIES,
  'src/decode/hl7/hl7.ts': HL7_ANOMALIES,
  'src/decode/dicom/dicom.ts': DICOM_ANOMALIES,
  'src/decode/rpc/rpc.ts': RPC_ANOMALIES,
  'src/decode/quic.ts': QUIC_ANOMALIES,
  'src/decode/ntp/ntp.ts': NTP_ANOMALIES,
  'src/decode/ftp.ts': FTP_ANOMALIES,
  'src/decode/tftp/tftp.ts': TFTP_ANOMALIES,
  'src/decode/syslog/syslog.ts': SYSLOG_ANOMALIES,
  'src/decode/snmp/snmp.ts': SNMP_ANOMALIES,
  'src/decode/smb/smb.ts': SMB_ANOMALIES,
  'src/decode/netbios/nbns.ts': NBNS_ANOMALIES,
  'src/decode/netbios/dgm.ts': NBDGM_ANOMALIES,
  'src/decode/ssdp.ts': SSDP_ANOMALIES,
  'src/decode/remote.ts': REMOTE_ANOMALIES,
  'src/decode/sip.ts': SIP_ANOMALIES,
  'src/decode/mqtt.ts': MQTT_ANOMALIES,
  'src/decode/dhcpv6.ts': DHCPV6_ANOMALIES,
  'src/decode/rtp.ts': RTP_ANOMALIES,
  'src/decode/socks.ts': SOCKS_ANOMALIES,
} as const;

export const ANOMALY_CODES = [
  ...CAPTURE_ANOMALIES,
  ...L2L4_ANOMALIES,
  ...TCP_STREAM_ANOMALIES,
  ...DNS_ANOMALIES,
  ...DHCP_ANOMALIES,
  ...TLS_ANOMALIES,
  ...HTTP_ANOMALIES,
  ...MLLP_ANOMALIES,
  ...HL7_ANOMALIES,
  ...DICOM_ANOMALIES,
  ...RPC_ANOMALIES,
  ...QUIC_ANOMALIES,
  ...NTP_ANOMALIES,
  ...FTP_ANOMALIES,
  ...TFTP_ANOMALIES,
  ...SYSLOG_ANOMALIES,
  ...SNMP_ANOMALIES,
  ...SMB_ANOMALIES,
  ...NBNS_ANOMALIES,
  ...NBDGM_ANOMALIES,
  ...SSDP_ANOMALIES,
  ...REMOTE_ANOMALIES,
  ...SIP_ANOMALIES,
  ...MQTT_ANOMALIES,
  ...DHCPV6_ANOMALIES,
  ...RTP_ANOMALIES,
  ...SOCKS_ANOMALIES,
] as const;

export type AnomalyCode = (typeof ANOMALY_CODES)[number];
