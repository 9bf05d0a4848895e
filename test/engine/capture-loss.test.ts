// A live capture's own counts in the summaries (watch -i: tcpdump's report): the latest given is
// carried as `capture`, and a warning says what was lost — only when something was.
import { describe, expect, it } from 'vitest';
import { statsEverySeconds } from '../../src/cli/watch.js';
import { SummaryRecord } from '../../src/contract/records.js';
import { captureLossWarning, Pipeline } from '../../src/engine/analyze.js';
import { capture } from '../helpers/paths.js';

const SALT = 'cd'.repeat(32);

describe('capture loss in the summary', () => {
  it('carries the latest counts in interim and final summaries; warns only once something was dropped', async () => {
    const p = new Pipeline({ salt: SALT });
    await p.readFile(capture('dns53.pcap'));
    expect(p.interimSummary().capture).toBeUndefined(); // a file has no such counts
    p.noteCaptureStats({ source: 'live:eth1', received: 1000, dropped: 0, interfaceDropped: 0 });
    const quiet = p.interimSummary();
    expect(quiet.capture).toEqual({ source: 'live:eth1', received: 1000, dropped: 0, interfaceDropped: 0 });
    expect(quiet.warnings.some((w) => w.includes('capture loss'))).toBe(false);
    expect(p.captureLoss()).toBeUndefined();
    p.noteCaptureStats({ source: 'live:eth1', received: 480_000, dropped: 1200, interfaceDropped: 0 });
    const s = SummaryRecord.parse((await p.end()).summary);
    expect(s.capture).toEqual({ source: 'live:eth1', received: 480_000, dropped: 1200, interfaceDropped: 0 });
    expect(s.warnings).toContain(p.captureLoss());
    expect(p.captureLoss()).toMatch(
      /^live:eth1: capture loss: the kernel dropped 1200 of the 480000 packets the filter passed \(0\.25 %\) before they were read — /,
    );
  });

  it('words each case: a tiny share with two decimals, interface drops alone, nothing received', () => {
    const w = (received: number, dropped: number, interfaceDropped: number) =>
      captureLossWarning({ source: 'live:eth0', received, dropped, interfaceDropped });
    expect(w(1_000_000, 10, 0)).toContain('dropped 10 of the 1000000 packets the filter passed (< 0.01 %)');
    expect(w(100_000, 30, 0)).toContain('(0.03 %)');
    expect(w(200, 50, 0)).toContain('(25.0 %)');
    expect(w(0, 5, 0)).toContain('the kernel dropped 5 of the 0 packets the filter passed before they were read');
    expect(w(500, 0, 7)).toMatch(/^live:eth0: capture loss: the interface dropped 7 — /);
  });

  it('asks tcpdump every 5 s, or as often as the summaries when they come faster (1 s at most)', () => {
    expect(statsEverySeconds(60)).toBe(5);
    expect(statsEverySeconds(2)).toBe(2);
    expect(statsEverySeconds(0.2)).toBe(1);
    expect(statsEverySeconds(0)).toBe(5);
  });
});
