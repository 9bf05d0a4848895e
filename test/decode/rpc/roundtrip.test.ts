// decode(encode(x)) for the ONC RPC writer the simulator uses (src/decode/rpc/encode.ts): seeded
// random xids, ports, export paths, names and file handles come back from the header, argument
// and result decoders, and the TCP record mark from readRecordMark.
import { describe, expect, it } from 'vitest';
import {
  getattrCall,
  getportCall,
  getportReply,
  lookupCall,
  lookupReply,
  MOUNT,
  MOUNT_MNT,
  mntCall,
  mntReply,
  NFS,
  NFS_GETATTR,
  NFS_LOOKUP,
  NFS_READ,
  PMAP_GETPORT,
  PORTMAP,
  readCall,
  recordMark,
} from '../../../src/decode/rpc/encode.js';
import {
  decodeCallArgs,
  decodeReplyResult,
  type RpcCallInfo,
  type RpcResultInfo,
} from '../../../src/decode/rpc/programs.js';
import { decodeRpc, readRecordMark } from '../../../src/decode/rpc/rpc.js';
import { Rng } from '../../../src/sim/rng.js';

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

function call(b: Uint8Array, xid: number, prog: number, proc: number): RpcCallInfo {
  const r = decodeRpc(b, 0, b.length);
  if (r.kind !== 'ok' || r.msg.kind !== 'call') throw new Error(`call: ${r.kind}`);
  expect(r.msg).toMatchObject({ xid, prog, proc });
  return decodeCallArgs(r.msg.prog, r.msg.vers, r.msg.proc, b, r.msg.argOff, b.length);
}
function reply(b: Uint8Array, xid: number, prog: number, vers: number, proc: number): RpcResultInfo {
  const r = decodeRpc(b, 0, b.length);
  if (r.kind !== 'ok' || r.msg.kind !== 'reply') throw new Error(`reply: ${r.kind}`);
  expect(r.msg).toMatchObject({ xid, accepted: true, stat: 0 });
  return decodeReplyResult(prog, vers, proc, b, r.msg.resOff, b.length);
}
const vers = (b: Uint8Array) => {
  const r = decodeRpc(b, 0, b.length);
  return r.kind === 'ok' && r.msg.kind === 'call' ? r.msg.vers : -1;
};
const word = (r: Rng, n: number) => {
  let s = '';
  for (let i = r.int(1, n); i > 0; i--) s += 'abcdefghijklmnopqrstuvwxyz0123456789_'[r.int(0, 36)];
  return s;
};

describe('ONC RPC encode → decode', () => {
  for (const seed of [51, 52, 53, 54, 55, 56, 57, 58]) {
    it(`seed ${seed}: portmap, MOUNT and NFS calls and replies survive`, () => {
      const r = new Rng(seed);
      const xid = r.u32();
      const machine = word(r, 20);
      const prog = r.pick([NFS, MOUNT]);
      const v = r.int(1, 4);
      const proto = r.pick([6, 17] as const);
      const gp = getportCall(xid, prog, v, proto);
      expect(call(gp, xid, PORTMAP, PMAP_GETPORT)).toEqual({
        lookupProg: prog,
        lookupVers: v,
        lookupProto: proto === 6 ? 'tcp' : 'udp',
      });
      const port = r.int(1, 65535);
      expect(reply(getportReply(xid, port), xid, PORTMAP, vers(gp), PMAP_GETPORT).port).toBe(port);

      const path = `/${word(r, 10)}/${word(r, 10)}`;
      const mc = mntCall(xid + 1, path, machine);
      expect(call(mc, xid + 1, MOUNT, MOUNT_MNT).path).toBe(path);
      const root = Uint8Array.from({ length: r.pick([8, 28, 32, 64]) }, () => r.int(0, 255));
      expect(reply(mntReply(xid + 1, root), xid + 1, MOUNT, vers(mc), MOUNT_MNT)).toMatchObject({
        status: 0,
        fh: hex(root),
      });

      const name = word(r, 30);
      const lc = lookupCall(xid + 2, root, name, machine);
      expect(call(lc, xid + 2, NFS, NFS_LOOKUP)).toMatchObject({ path: name, fh: hex(root) });
      const file = Uint8Array.from({ length: r.pick([8, 32, 64]) }, () => r.int(0, 255));
      expect(reply(lookupReply(xid + 2, file, r.int(0, 1 << 30)), xid + 2, NFS, vers(lc), NFS_LOOKUP)).toMatchObject({
        status: 0,
        fh: hex(file),
      });
      expect(call(getattrCall(xid + 3, file, machine), xid + 3, NFS, NFS_GETATTR).fh).toBe(hex(file));
      expect(
        call(readCall(xid + 4, file, r.int(0, 1 << 20), r.int(1, 65536), machine), xid + 4, NFS, NFS_READ).fh,
      ).toBe(hex(file));

      const rec = recordMark(lc);
      expect(readRecordMark(rec, 0, rec.length)).toEqual({ kind: 'ok', last: true, length: lc.length });
      expect(rec.subarray(4)).toEqual(lc);
    });
  }
});
