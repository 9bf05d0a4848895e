// SIP messages with an SDP body written (the tests' calls): an INVITE offering, and a 200 OK
// answering, one audio stream at `ip:port` — what decode/sip.ts and decode/sdp.ts read back.
import { ascii } from './bytes.js';

export interface SdpSpec {
  readonly ip: string;
  readonly port: number;
  /** Session-level c= (default) or one on the media line. */
  readonly mediaLevel?: boolean;
}

export function sdpBody(s: SdpSpec): string {
  const fam = s.ip.includes(':') ? 'IP6' : 'IP4';
  const c = `c=IN ${fam} ${s.ip}\r\n`;
  return (
    `v=0\r\no=- 20518 0 IN ${fam} ${s.ip}\r\ns=call\r\n` +
    (s.mediaLevel ? '' : c) +
    `t=0 0\r\nm=audio ${s.port} RTP/AVP 0 8 101\r\n` +
    (s.mediaLevel ? c : '') +
    'a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n'
  );
}

function message(start: string, userAgent: string, cseq: string, sdp: SdpSpec): Uint8Array {
  const body = sdpBody(sdp);
  return ascii(
    `${start}\r\nVia: SIP/2.0/UDP ${sdp.ip}:5060;branch=z9hG4bK74bf9\r\nFrom: <sip:2101@pbx.ward.example>;tag=9fxced76sl\r\n` +
      `To: <sip:2102@pbx.ward.example>\r\nCall-ID: 3848276298220188511@ward\r\nCSeq: ${cseq}\r\n` +
      `User-Agent: ${userAgent}\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
}

export function sipInvite(to: string, userAgent: string, sdp: SdpSpec): Uint8Array {
  return message(`INVITE sip:2102@${to} SIP/2.0`, userAgent, '1 INVITE', sdp);
}

export function sipOk(userAgent: string, sdp: SdpSpec): Uint8Array {
  return message('SIP/2.0 200 OK', userAgent, '1 INVITE', sdp);
}
