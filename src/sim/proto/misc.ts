// Small application payloads: HTTP/1.1 request and response, NTP v4 client/server packets.
import { Bytes, ascii } from '../../decode/bytes.js';

export function httpGet(hostName: string, path: string, userAgent: string): Uint8Array {
  return ascii(
    `GET ${path} HTTP/1.1\r\nHost: ${hostName}\r\nUser-Agent: ${userAgent}\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
  );
}

export function httpResponse(status: number, reason: string, body: string, server = 'nginx'): Uint8Array {
  const bytes = ascii(body);
  return ascii(
    `HTTP/1.1 ${status} ${reason}\r\nServer: ${server}\r\nContent-Type: text/html\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** NTP seconds since 1900 for a Unix time in µs. */
function ntpStamp(b: Bytes, micros: number): void {
  const sec = Math.floor(micros / 1e6);
  b.u32(sec + 2208988800).u32(Math.floor(((micros % 1e6) / 1e6) * 2 ** 32));
}

export function ntpClient(micros: number): Uint8Array {
  const b = new Bytes();
  b.u8(0x23).u8(0).u8(6).u8(0xec); // LI 0, v4, mode 3 (client); poll 6; precision -20
  b.u32(0).u32(0).u32(0);
  b.zeros(24);
  ntpStamp(b, micros);
  return b.done();
}

export function ntpServer(clientMicros: number, micros: number, refId: number): Uint8Array {
  const b = new Bytes();
  b.u8(0x24).u8(2).u8(6).u8(0xe9); // v4, mode 4 (server), stratum 2
  b.u32(0x00000100).u32(0x00000200).u32(refId);
  ntpStamp(b, micros - 60_000_000);
  ntpStamp(b, clientMicros);
  ntpStamp(b, micros - 20);
  ntpStamp(b, micros);
  return b.done();
}
