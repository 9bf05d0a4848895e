// decode(encode(x)) for the DNS writer the simulator uses (src/decode/dns/encode.ts): seeded
// random names, ids, TTLs, A and CNAME answers come back field for field.
import { describe, expect, it } from 'vitest';
import { decodeDns } from '../../../src/decode/dns/dns.js';
import { type DnsRr, dnsQuery, dnsResponse } from '../../../src/decode/dns/encode.js';
import { Rng } from '../../../src/sim/rng.js';

function randomName(r: Rng): string {
  const labels: string[] = [];
  for (let i = r.int(1, 4); i > 0; i--) {
    let l = '';
    for (let j = r.int(1, 20); j > 0; j--) l += 'abcdefghijklmnopqrstuvwxyz0123456789-'[r.int(0, 36)];
    labels.push(l);
  }
  return labels.join('.');
}
const randomIp = (r: Rng) => `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(0, 255)}`;

describe('DNS encode → decode', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}: query and response fields survive`, () => {
      const r = new Rng(seed);
      const id = r.int(0, 0xffff);
      const qname = randomName(r);
      const q = decodeDns(dnsQuery(id, qname), 0, Number.MAX_SAFE_INTEGER);
      if (q.kind !== 'ok') throw new Error(`query: ${q.kind}`);
      expect(q.anomaly).toBeNull();
      expect(q.msg).toMatchObject({ id, qr: false, rcode: 0, answers: [] });
      expect(q.msg.questions).toEqual([{ name: qname, type: 'A', typeNum: 1, cls: 1 }]);

      // A CNAME chain from the question name, then A records of its end (and some of the name itself).
      const answers: DnsRr[] = [];
      let owner = qname;
      for (let i = r.int(0, 2); i > 0; i--) {
        const target = randomName(r);
        answers.push({ name: owner, type: 'CNAME', ttl: r.int(0, 86_400), data: target });
        owner = target;
      }
      for (let i = r.int(1, 4); i > 0; i--)
        answers.push({ name: owner, type: 'A', ttl: r.int(0, 2 ** 31 - 1), data: randomIp(r) });
      const rcode = r.pick([0, 0, 2]);
      const bytes = dnsResponse(id, qname, answers, rcode);
      const a = decodeDns(bytes, 0, bytes.length);
      if (a.kind !== 'ok') throw new Error(`response: ${a.kind}`);
      expect(a.anomaly).toBeNull();
      expect(a.msg).toMatchObject({ id, qr: true, rcode, size: bytes.length });
      expect(a.msg.questions.map((x) => x.name)).toEqual([qname]);
      expect(a.msg.answers.map(({ name, type, ttl, data }) => ({ name, type, ttl, data }))).toEqual(answers);
    });
  }

  it('an empty answer with rcode 3 is NXDOMAIN', () => {
    const b = dnsResponse(7, 'no.such.example', [], 3);
    const a = decodeDns(b, 0, b.length);
    expect(a.kind === 'ok' && [a.msg.rcode, a.msg.answers.length]).toEqual([3, 0]);
  });
});
