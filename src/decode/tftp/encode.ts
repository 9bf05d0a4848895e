// TFTP writer for tests and the simulator (RFC 1350).
import { Bytes } from '../bytes.js';

export function tftpRequest(op: 1 | 2, fileName: string, mode = 'octet'): Uint8Array {
  return new Bytes(4 + fileName.length + mode.length).u16(op).ascii(fileName).u8(0).ascii(mode).u8(0).done();
}

export function tftpData(block: number, data: Uint8Array): Uint8Array {
  return new Bytes(4 + data.length).u16(3).u16(block).bytes(data).done();
}

export function tftpAck(block: number): Uint8Array {
  return new Bytes(4).u16(4).u16(block).done();
}
