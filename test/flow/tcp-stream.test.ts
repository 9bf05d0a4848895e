import { describe, expect, it } from 'vitest';
import { type StreamSink, TcpStream } from '../../src/flow/tcp-stream.js';

class Collect implements StreamSink {
  out: number[] = [];
  gaps: number[] = [];
  anomalies: string[] = [];
  data(bytes: Uint8Array): void {
    for (const b of bytes) this.out.push(b);
  }
  gap(length: number): void {
    this.gaps.push(length);
  }
  anomaly(code: string): void {
    this.anomalies.push(code);
  }
  text(): string {
    return String.fromCharCode(...this.out);
  }
}

const enc = (s: string) => new TextEncoder().encode(s);

function seg(st: TcpStream, seq: number, s: string, fin = false): void {
  const b = enc(s);
  st.segment(seq >>> 0, b, 0, b.length, fin, 0);
}

describe('TcpStream', () => {
  it('delivers in-order data after a SYN', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    st.syn(999);
    seg(st, 1000, 'hello ');
    seg(st, 1006, 'world');
    expect(c.text()).toBe('hello world');
    expect(st.delivered).toBe(11);
  });

  it('reorders out-of-order segments', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    st.syn(0);
    seg(st, 7, 'world');
    seg(st, 4, 'lo ');
    expect(c.text()).toBe('');
    seg(st, 1, 'hel');
    expect(c.text()).toBe('hello world');
    expect(c.gaps).toEqual([]);
  });

  it('drops exact retransmissions and keeps the new tail of a partial overlap', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    st.syn(0);
    seg(st, 1, 'abcd');
    seg(st, 1, 'abcd');
    seg(st, 3, 'cdef');
    expect(c.text()).toBe('abcdef');
    expect(st.retransmits).toBe(1);
    expect(c.anomalies).toContain('tcp.overlap');
  });

  it('flags buffered segments that overlap with different bytes', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    st.syn(0);
    seg(st, 10, 'XXXX');
    seg(st, 10, 'YYYY');
    expect(c.anomalies).toContain('tcp.overlap-mismatch');
  });

  it('handles sequence-number wrap-around', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    st.syn(0xfffffffd); // data starts at 0xfffffffe
    seg(st, 0xfffffffe, 'ab');
    seg(st, 0, 'cd');
    expect(c.text()).toBe('abcd');
  });

  it('reorders, retransmits and reports gaps across the wrap (unsigned or signed sequence numbers)', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    st.syn(0xfffffff0); // data starts at 0xfffffff1
    seg(st, 0xfffffff1, 'abc');
    seg(st, 0xfffffffa, 'klm'); // out of order, before the wrap: 0xfffffff4..0xfffffff9 missing
    seg(st, 0x2, 'xyz'); // out of order, after the wrap
    st.segment(-12, enc('def'), 0, 3, false, 0); // 0xfffffff4 as a signed number
    seg(st, 0xfffffff1, 'abc'); // retransmission
    expect(c.text()).toBe('abcdef');
    st.acked(0x5, 0); // 0xfffffff7..0xfffffff9 and 0xfffffffd..0x1 never captured
    expect(c.gaps).toEqual([3, 5]);
    expect(c.text()).toBe('abcdefklmxyz');
    expect(st.retransmits).toBe(1);
  });

  it('reports a gap when the peer acknowledges bytes never captured, then resumes', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    st.syn(0);
    seg(st, 1, 'one');
    seg(st, 14, 'three'); // 4..13 lost
    st.acked(19, 0);
    expect(c.gaps).toEqual([10]);
    expect(c.text()).toBe('onethree');
  });

  it('reports holes on flush', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    st.syn(0);
    seg(st, 1, 'a');
    seg(st, 5, 'e');
    st.flush(0);
    expect(c.gaps).toEqual([3]);
    expect(c.text()).toBe('ae');
  });

  it('bounds the out-of-order buffer and skips ahead when full', () => {
    const c = new Collect();
    const st = new TcpStream(c, 16);
    st.syn(0);
    seg(st, 101, 'aaaaaaaaaa');
    seg(st, 201, 'bbbbbbbbbb'); // would exceed 16 buffered bytes
    expect(c.anomalies).toContain('tcp.buffer-full');
    // The first hole (1..100) is given up to make room; the second segment waits for its own hole.
    expect(c.gaps).toEqual([100]);
    expect(c.text()).toBe('aaaaaaaaaa');
    st.flush(0);
    expect(c.gaps).toEqual([100, 90]);
    expect(c.text()).toBe('aaaaaaaaaabbbbbbbbbb');
  });

  it('picks up mid-stream without a SYN', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    seg(st, 5000, 'mid');
    seg(st, 5003, 'stream');
    expect(c.text()).toBe('midstream');
  });

  it('ignores absurd acknowledgements', () => {
    const c = new Collect();
    const st = new TcpStream(c);
    st.syn(0);
    seg(st, 1, 'x');
    st.acked(0x7fff0000, 0);
    expect(c.gaps).toEqual([]);
  });
});
