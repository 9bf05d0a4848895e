// The one size parser of the command line (`watch --keep-size`).
import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/cli/size.js';

describe('parseSize', () => {
  it('decimal units are powers of 1000, binary ones of 1024, a bare number is bytes', () => {
    expect(parseSize('500MB')).toBe(500_000_000);
    expect(parseSize('2GB')).toBe(2_000_000_000);
    expect(parseSize('1.5GiB')).toBe(1_610_612_736);
    expect(parseSize('640kB')).toBe(640_000);
    expect(parseSize('64KiB')).toBe(65_536);
    expect(parseSize('3MiB')).toBe(3 * 1024 * 1024);
    expect(parseSize('1TB')).toBe(1e12);
    expect(parseSize('65536')).toBe(65_536);
    expect(parseSize('100B')).toBe(100);
    expect(parseSize(' 2 gb ')).toBe(2e9); // case and spaces do not matter
    expect(parseSize('1.5kB')).toBe(1500);
  });

  it('anything else is a clear error naming the option', () => {
    for (const bad of ['', 'MB', '2XB', '-1GB', '1e9', '2 parsecs', '0', '0.0001B', '1,5GB'])
      expect(() => parseSize(bad, '--keep-size'), bad).toThrow(/--keep-size: /);
    expect(() => parseSize('2XB', '--keep-size')).toThrow(/expected a size like 500MB, 2GB or 1.5GiB/);
    expect(() => parseSize('0', '--keep-size')).toThrow(/not a usable size/);
    expect(() => parseSize('99999999TB')).toThrow(/not a usable size/);
  });
});
