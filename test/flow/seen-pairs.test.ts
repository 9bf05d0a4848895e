import { describe, expect, it } from 'vitest';
import { SeenPairs } from '../../src/flow/engine.js';

describe('SeenPairs: each (MAC, IP) pair is told once', () => {
  it('tells a pair once, whether the MAC has one address or several', () => {
    const s = new SeenPairs();
    expect(s.first('02:00:00:00:00:01', '10.0.0.1')).toBe(true);
    expect(s.first('02:00:00:00:00:01', '10.0.0.1')).toBe(false);
    expect(s.first('02:00:00:00:00:01', '10.0.0.2')).toBe(true);
    expect(s.first('02:00:00:00:00:01', '10.0.0.1')).toBe(false);
    expect(s.first('02:00:00:00:00:01', '10.0.0.2')).toBe(false);
    expect(s.first('02:00:00:00:00:01', '10.0.0.3')).toBe(true);
    expect(s.first('02:00:00:00:00:02', '10.0.0.1')).toBe(true);
  });

  it('remembers 4096 addresses a MAC (a gateway: later ones are told each time) and 100 000 MACs', () => {
    const s = new SeenPairs();
    const gw = '02:00:00:00:00:fe';
    for (let i = 0; i < 4096; i++) expect(s.first(gw, `10.1.${i >> 8}.${i & 255}`)).toBe(true);
    expect(s.first(gw, '10.1.0.7')).toBe(false);
    expect(s.first(gw, '10.2.0.1')).toBe(true);
    expect(s.first(gw, '10.2.0.1')).toBe(true);
    // Past 100 000 MACs the table starts again: a pair is told once more.
    for (let i = 1; i < 100_000; i++) s.first(`02:01:${(i >> 16) & 255}:${(i >> 8) & 255}:${i & 255}:00`, '10.3.0.1');
    expect(s.first(gw, '10.1.0.7')).toBe(false);
    expect(s.first('02:09:00:00:00:00', '10.3.0.9')).toBe(true);
    expect(s.first(gw, '10.1.0.7')).toBe(true);
  });
});
