import { describe, expect, it } from 'vitest';
import { OldestFirst } from '../../src/net/oldest.js';

describe('OldestFirst: the oldest entry of a Map, in its insertion order', () => {
  it('takes entries oldest first, with their values, and undefined once empty', () => {
    const m = new Map([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    const o = new OldestFirst(m);
    expect(o.take()).toEqual(['a', 1]);
    expect(o.take()).toEqual(['b', 2]);
    expect([...m.keys()]).toEqual(['c']);
    expect(o.take()).toEqual(['c', 3]);
    expect(o.take()).toBeUndefined();
    expect(m.size).toBe(0);
    // Entries added after the map was emptied are found again.
    m.set('d', 4);
    expect(o.take()).toEqual(['d', 4]);
  });

  it('keeps the Map order through a full table churned like a flood: one out, one in', () => {
    const n = 1000;
    const m = new Map<number, number>();
    for (let i = 0; i < n; i++) m.set(i, i * 10);
    const o = new OldestFirst(m);
    for (let i = n; i < 20 * n; i++) {
      expect(o.take()).toEqual([i - n, (i - n) * 10]);
      m.set(i, i * 10);
    }
    expect(m.size).toBe(n);
    expect(m.keys().next().value).toBe(19 * n);
  });

  it('agrees with map.keys().next() when entries are deleted, set again or cleared elsewhere', () => {
    const m = new Map<string, number>();
    const o = new OldestFirst(m);
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    for (const [i, k] of keys.entries()) m.set(k, i);
    o.take(); // k0
    m.delete('k1'); // deleted by its owner: skipped
    m.set('k2', 20); // set again in place: keeps its place
    m.delete('k3');
    m.set('k3', 30); // deleted and set again: now the newest
    const expected = [...m.entries()];
    const got: [string, number][] = [];
    for (let e = o.take(); e !== undefined; e = o.take()) got.push(e);
    expect(got).toEqual(expected);
    expect(got.map(([k]) => k)).toEqual(['k2', 'k4', 'k5', 'k3']);
    for (const [i, k] of keys.entries()) m.set(k, i);
    m.clear();
    m.set('after', 1);
    expect(o.take()).toEqual(['after', 1]);
  });
});
