import { describe, expect, it } from 'vitest';
import {
  decodeRpc,
  RecordReassembler,
  RPC_ANOMALIES,
  type RpcAnomaly,
  readRecordMark,
} from '../../../src/decode/rpc/rpc.js';
import { nfs4OpName, procName, progName } from '../../../src/decode/rpc/names.js';
import { decodeCallArgs, decodeReplyResult, uaddrPort } from '../../../src/decode/rpc/programs.js';
import { concat } from '../../fixtures/medical/hex.js';
import { mutate, rng } from '../../fixtures/medical/fuzz.js';
import {
  DENIED_REPLY,
  GETPORT_CALL,
  GETPORT_REPLY,
  MNT_CALL,
  MNT_REPLY,
  MNT_REPLY_OK,
  NFS2_READ_CALL,
  NFS3_LOOKUP_CALL,
  NFS3_LOOKUP_REPLY,
  NFS4_COMPOUND_CALL,
  recordMark,
} from '../../fixtures/medical/rpc-messages.js';

function call(b: Uint8Array) {
  const r = decodeRpc(b, 0, b.length);
  if (r.kind !== 'ok' || r.msg.kind !== 'call') throw new Error(JSON.stringify(r));
  return { ...r.msg, info: decodeCallArgs(r.msg.prog, r.msg.vers, r.msg.proc, b, r.msg.argOff, b.length) };
}

describe('decodeRpc', () => {
  it('decodes a GETPORT call and its reply', () => {
    expect(call(GETPORT_CALL)).toEqual({
      kind: 'call',
      xid: 0x12345678,
      prog: 100000,
      vers: 2,
      proc: 3,
      credFlavor: 0,
      argOff: 40,
      info: { lookupProg: 100005, lookupVers: 3, lookupProto: 'udp' },
    });
    const r = decodeRpc(GETPORT_REPLY, 0, GETPORT_REPLY.length);
    expect(r).toEqual({ kind: 'ok', msg: { kind: 'reply', xid: 0x12345678, accepted: true, stat: 0, resOff: 24 } });
    expect(decodeReplyResult(100000, 2, 3, GETPORT_REPLY, 24, GETPORT_REPLY.length)).toEqual({ port: 20048 });
  });

  it('decodes MOUNT MNT with AUTH_UNIX credentials and the MNT status', () => {
    const c = call(MNT_CALL);
    expect(c).toMatchObject({ prog: 100005, vers: 3, proc: 1, credFlavor: 1, info: { path: '/export' } });
    const r = decodeRpc(MNT_REPLY, 0, MNT_REPLY.length);
    expect(
      r.kind === 'ok' &&
        r.msg.kind === 'reply' &&
        decodeReplyResult(100005, 3, 1, MNT_REPLY, r.msg.resOff, MNT_REPLY.length),
    ).toEqual({ status: 13 });
  });

  it('decodes NFS v3 LOOKUP name, v4 COMPOUND first op, and denied replies', () => {
    expect(call(NFS3_LOOKUP_CALL).info).toEqual({ path: 'boot.sh', fh: '0102030405060708' });
    expect(call(NFS4_COMPOUND_CALL).info).toEqual({ firstOp: 'SEQUENCE' });
    expect(decodeRpc(DENIED_REPLY, 0, DENIED_REPLY.length)).toEqual({
      kind: 'ok',
      msg: { kind: 'reply', xid: 99, accepted: false, stat: 1, resOff: DENIED_REPLY.length },
    });
  });

  it('reads the file handles that tie NFS calls to their MOUNT: MNT and LOOKUP replies, v2 and v3 calls', () => {
    const res = (b: Uint8Array, prog: number, vers: number, proc: number) => {
      const r = decodeRpc(b, 0, b.length);
      if (r.kind !== 'ok' || r.msg.kind !== 'reply') throw new Error(JSON.stringify(r));
      return decodeReplyResult(prog, vers, proc, b, r.msg.resOff, b.length);
    };
    expect(res(MNT_REPLY_OK, 100005, 3, 1)).toEqual({ status: 0, fh: '0102030405060708' });
    expect(res(NFS3_LOOKUP_REPLY, 100003, 3, 3)).toEqual({ status: 0, fh: '0a0b0c0d' });
    expect(res(MNT_REPLY, 100005, 3, 1)).toEqual({ status: 13 }); // refused: no handle
    expect(call(NFS2_READ_CALL).info).toEqual({ fh: '11'.repeat(32) });
    // A handle longer than the buffer is no handle, never a read past the end.
    expect(call(NFS2_READ_CALL.subarray(0, 60)).info).toEqual({});
    for (let n = 0; n < MNT_REPLY_OK.length; n++) {
      const cut = MNT_REPLY_OK.subarray(0, n);
      const r = decodeRpc(cut, 0, n);
      if (r.kind === 'ok' && r.msg.kind === 'reply') expect(() => res(cut, 100005, 3, 1)).not.toThrow();
    }
  });

  it('names programs and procedures', () => {
    expect([100000, 100003, 100005, 100021, 100024, 100227].map(progName)).toEqual([
      'portmap',
      'nfs',
      'mount',
      'nlockmgr',
      'status',
      'nfs_acl',
    ]);
    expect(procName(100003, 3, 17)).toBe('READDIRPLUS');
    expect(procName(100003, 2, 8)).toBe('WRITE');
    expect(procName(100003, 3, 7)).toBe('WRITE');
    expect(procName(100005, 1, 5)).toBe('EXPORT');
    expect(procName(100000, 2, 3)).toBe('GETPORT');
    expect(procName(100000, 4, 3)).toBe('GETADDR');
    expect(procName(100003, 4, 1)).toBe('COMPOUND');
    expect(procName(100003, 3, 99)).toBeUndefined();
    expect(nfs4OpName(24)).toBe('PUTROOTFH');
    expect(uaddrPort('192.168.122.219.8.1')).toBe(2049);
    expect(uaddrPort('::1.0.111')).toBe(111);
    expect(uaddrPort('')).toBe(0);
  });

  it('names hostile headers', () => {
    const badVers = GETPORT_CALL.slice();
    badVers[11] = 3;
    expect(decodeRpc(badVers, 0, badVers.length)).toEqual({ kind: 'anomaly', code: 'rpc.bad-version' });
    const bigAuth = GETPORT_CALL.slice();
    bigAuth.set([0x00, 0x00, 0x01, 0x91], 28); // cred length 401 > 400
    expect(decodeRpc(bigAuth, 0, bigAuth.length)).toEqual({ kind: 'anomaly', code: 'rpc.auth-too-long' });
    const notRpc = GETPORT_CALL.slice();
    notRpc[7] = 7;
    expect(decodeRpc(notRpc, 0, notRpc.length)).toEqual({ kind: 'not' });
  });

  it('every truncated prefix is ok or an anomaly, never a throw', () => {
    for (const m of [
      GETPORT_CALL,
      GETPORT_REPLY,
      MNT_CALL,
      MNT_REPLY,
      NFS3_LOOKUP_CALL,
      NFS4_COMPOUND_CALL,
      DENIED_REPLY,
    ]) {
      for (let n = 0; n < m.length; n++) {
        const r = decodeRpc(m, 0, n);
        if (r.kind === 'ok') {
          const msg = r.msg;
          if (msg.kind === 'call') decodeCallArgs(msg.prog, msg.vers, msg.proc, m, msg.argOff, n);
          else decodeReplyResult(100000, 2, 3, m, msg.resOff, n);
        } else expect(r.kind === 'anomaly' || r.kind === 'not').toBe(true);
        if (n < 24 && m[7] === 0) expect(r).toEqual({ kind: 'anomaly', code: 'rpc.truncated' });
      }
    }
  });

  it('survives a seeded fuzz loop over every program decoder', () => {
    const r = rng(5531);
    const bases = [GETPORT_CALL, GETPORT_REPLY, MNT_CALL, MNT_REPLY, NFS3_LOOKUP_CALL, NFS4_COMPOUND_CALL];
    for (let i = 0; i < 5000; i++) {
      const b = mutate(bases[i % bases.length]!, r);
      const d = decodeRpc(b, 0, b.length);
      if (d.kind !== 'ok') continue;
      for (const [prog, vers, proc] of [
        [100000, 2, 3],
        [100000, 4, 3],
        [100000, 2, 4],
        [100000, 3, 4],
        [100005, 3, 1],
        [100003, 3, 3],
        [100003, 2, 12],
        [100003, 4, 1],
      ] as const) {
        const info = decodeCallArgs(prog, vers, proc, b, d.msg.kind === 'call' ? d.msg.argOff : 0, b.length);
        if (info.path !== undefined) expect(info.path.length).toBeLessThanOrEqual(1024);
        const res = decodeReplyResult(prog, vers, proc, b, d.msg.kind === 'reply' ? d.msg.resOff : 0, b.length);
        expect((res.mappings ?? []).length).toBeLessThanOrEqual(256);
      }
    }
  });
});

describe('RecordReassembler', () => {
  function rec() {
    const records: { head: Uint8Array; total: number }[] = [];
    const anomalies: RpcAnomaly[] = [];
    const r = new RecordReassembler({
      record: (head, total) => records.push({ head: head.slice(), total }),
      anomaly: (c) => anomalies.push(c),
    });
    return { r, records, anomalies };
  }

  it('reads the mark', () => {
    expect(readRecordMark(recordMark(40, true), 0, 4)).toEqual({ kind: 'ok', last: true, length: 40 });
    expect(readRecordMark(recordMark(40, true), 0, 3)).toEqual({ kind: 'more' });
  });

  it('reassembles a record sent as 2 fragments, split across chunks at every point', () => {
    const a = MNT_CALL.subarray(0, 30);
    const b = MNT_CALL.subarray(30);
    const stream = concat(
      recordMark(a.length, false),
      a,
      recordMark(b.length, true),
      b,
      recordMark(GETPORT_CALL.length, true),
      GETPORT_CALL,
    );
    for (let cut = 0; cut <= stream.length; cut++) {
      const { r, records, anomalies } = rec();
      r.push(stream.subarray(0, cut));
      r.push(stream.subarray(cut));
      expect(records.map((x) => x.total)).toEqual([MNT_CALL.length, GETPORT_CALL.length]);
      expect(records[0]!.head).toEqual(MNT_CALL);
      expect(anomalies).toEqual([]);
    }
  });

  it('keeps only the head of a huge record (bounded memory) and reports the full length', () => {
    const { r, records } = rec();
    r.push(concat(recordMark(3 << 20, true), NFS3_LOOKUP_CALL));
    const filler = new Uint8Array(64 * 1024);
    let left = (3 << 20) - NFS3_LOOKUP_CALL.length;
    while (left > 0) {
      const n = Math.min(left, filler.length);
      r.push(filler.subarray(0, n));
      left -= n;
    }
    expect(records).toHaveLength(1);
    expect(records[0]!.total).toBe(3 << 20);
    expect(records[0]!.head.length).toBe(8192);
  });

  it('names fragment length 0x7fffffff and zero-length fragments', () => {
    const big = rec();
    big.r.push(concat(Uint8Array.of(0xff, 0xff, 0xff, 0xff), new Uint8Array(1000)));
    big.r.push(concat(recordMark(GETPORT_CALL.length, true), GETPORT_CALL)); // ignored: the stream is lost
    expect(big.anomalies).toEqual(['rpc.fragment-too-long']);
    expect(big.records).toEqual([]);
    const zero = rec();
    zero.r.push(
      concat(recordMark(0, false), recordMark(0, false), recordMark(GETPORT_CALL.length, true), GETPORT_CALL),
    );
    expect(zero.anomalies).toEqual(['rpc.zero-fragment']);
    expect(zero.records.map((x) => x.total)).toEqual([GETPORT_CALL.length]);
    expect(RPC_ANOMALIES).toContain('rpc.xid-reuse');
  });
});
