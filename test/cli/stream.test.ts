// `watch -r -` and `analyze -` send records as they happen: a capture is written to the CLI's
// stdin in parts, and every alert the library raises within a part must be out (on stdout, or
// at a UDP syslog listener) before the next part is written — including phi.cleartext, which
// its rule raises at the stream's first tick after the patient records (`Detector.early`), and
// (jsonl) the incident it opens. Event-driven: the test waits for the records, then writes on;
// the only bound is a generous "never arrived".
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/writer.js';
import type { RawPacket } from '../../src/capture/types.js';
import { loadConfig } from '../../src/config/config.js';
import { AlertUpdateRecord, alertKey, OutputRecord } from '../../src/contract/records.js';
import { LINKTYPE_ETHERNET } from '../../src/decode/layers.js';
import { Pipeline } from '../../src/engine/analyze.js';
import { renderScenario } from '../../src/server/live/sim-feed.js';
import { SCENARIO_START_US } from '../../src/sim/scenarios.js';
import { CLI } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const PARTS = 4;
const sim = renderScenario('cms8000', SCENARIO_START_US, 120);
const writer = new PcapWriter({ linktype: LINKTYPE_ETHERNET });

/** The frame indexes after which the library has raised a new alert, and the rule of each. */
function raisedAt(): { i: number; rule: string }[] {
  let i = 0;
  const at: { i: number; rule: string }[] = [];
  const pipeline = new Pipeline({
    config: loadConfig(undefined),
    salt: '42'.repeat(32),
    stream: { sink: { alert: (a) => at.push({ i, rule: a.rule }) } },
  });
  const pkt: RawPacket = { ts: 0, linktype: LINKTYPE_ETHERNET, data: new Uint8Array(0), origLen: 0, ifIndex: 0 };
  for (; i < sim.frames.length; i++) {
    pkt.ts = sim.ts[i]!;
    pkt.data = sim.frames[i]!;
    pkt.origLen = pkt.data.length;
    pipeline.engine.packet(pkt);
  }
  return at;
}

/**
 * Parts that each end just after a frame that raises an alert — the first two such frames and
 * the one whose tick raises phi.cleartext (the last part holds the rest): their pcap bytes, and
 * the alert keys the library raises within each.
 */
function plan(): { bytes: Buffer[]; keys: string[][] } {
  const n = sim.frames.length;
  const raised = raisedAt();
  const phiAt = raised.find((r) => r.rule === 'phi.cleartext')?.i;
  if (phiAt === undefined) throw new Error('the scenario raises no phi.cleartext while streaming');
  const first = [...new Set(raised.map((r) => r.i))].filter((i) => i < phiAt).slice(0, PARTS - 2);
  const cuts = [...first, phiAt];
  const bounds = [0, ...cuts.map((i) => i + 1), n];
  const keys: string[][] = [];
  let part = 0;
  const pipeline = new Pipeline({
    config: loadConfig(undefined),
    salt: '42'.repeat(32),
    stream: { sink: { alert: (a) => keys[part]!.push(alertKey(a)) } },
  });
  const pkt: RawPacket = { ts: 0, linktype: LINKTYPE_ETHERNET, data: new Uint8Array(0), origLen: 0, ifIndex: 0 };
  const bytes: Buffer[] = [];
  for (part = 0; part < bounds.length - 1; part++) {
    keys.push([]);
    const chunks: Uint8Array[] = part === 0 ? [writer.header()] : [];
    for (let i = bounds[part]!; i < bounds[part + 1]!; i++) {
      pkt.ts = sim.ts[i]!;
      pkt.data = sim.frames[i]!;
      pkt.origLen = pkt.data.length;
      pipeline.engine.packet(pkt);
      chunks.push(writer.record(pkt.ts, pkt.data));
    }
    bytes.push(Buffer.concat(chunks));
  }
  return { bytes, keys };
}

const { bytes, keys } = plan();
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function start(args: string[]): { child: ChildProcessWithoutNullStreams; lines: () => OutputRecord[] } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home') },
  });
  children.push(child);
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.resume();
  const lines = () =>
    text
      .split('\n')
      .slice(0, -1)
      .map((l) => OutputRecord.parse(JSON.parse(l)));
  return { child, lines };
}

/** Resolves when `ok()` holds; polls on every output event, fails after `ms` (never arrived). */
function until(child: ChildProcessWithoutNullStreams, ok: () => boolean, what: string, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ok()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`never arrived: ${what}`));
    }, ms);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      clearInterval(poll);
    };
    // Syslog datagrams arrive outside the child's stdout: look again a few times a second too.
    const poll = setInterval(check, 100);
    child.stdout.on('data', check);
    check();
  });
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('close', r)));

describe('streaming commands', () => {
  it('the library raises alerts in more than one part of the capture (the test has something to wait for)', () => {
    expect(bytes).toHaveLength(PARTS);
    expect(keys.slice(0, PARTS - 1).every((k) => k.length > 0)).toBe(true);
    // phi.cleartext is raised before the last part: it must arrive while input is still open.
    expect(keys[PARTS - 2]!.some((k) => k.startsWith('phi.cleartext|'))).toBe(true);
  });

  for (const args of [
    ['watch', '-r', '-', '--format', 'jsonl'],
    ['analyze', '--format', 'json', '-'],
  ]) {
    it(`${args.join(' ')}: each part's alerts are out before the next part is written`, async () => {
      const { child, lines } = start(args);
      const alertKeys = () => new Set(lines().flatMap((r) => (r.type === 'alert' ? [alertKey(r)] : [])));
      for (let k = 0; k < bytes.length; k++) {
        child.stdin.write(bytes[k]);
        const want = keys[k]!;
        await until(child, () => want.every((key) => alertKeys().has(key)), `part ${k + 1}: ${want.join(', ')}`);
        // The incident a patient-data alert belongs to is out with it.
        const phiSrc = want.flatMap((key) => (key.startsWith('phi.cleartext|') ? [key.split('|')[1]!] : []));
        if (phiSrc.length > 0)
          await until(
            child,
            () =>
              lines().some(
                (r) =>
                  r.type === 'incident' &&
                  r.rules.includes('phi.cleartext') &&
                  phiSrc.some((ip) => r.device.ips.includes(ip)),
              ),
            `part ${k + 1}: the incident of ${phiSrc.join(', ')}`,
          );
        // Nothing final is printed while input is still open.
        expect(lines().some((r) => r.type === 'summary' && r.interim !== true)).toBe(false);
      }
      child.stdin.end();
      expect(await exited(child)).toBe(0);
      const recs = lines();
      const last = recs.at(-1);
      expect(last?.type).toBe('summary');
      expect(last?.type === 'summary' && last.packets).toBe(sim.frames.length);
      // Updates only refer to alerts already sent.
      const seen = new Set<string>();
      for (const r of recs) {
        if (r.type === 'alert') seen.add(alertKey(r));
        if (r.type === 'alert-update') expect(seen.has(AlertUpdateRecord.parse(r).key)).toBe(true);
      }
    });
  }

  it('watch -r - --syslog: each alert reaches a UDP syslog listener before the next part is written', async () => {
    const sock = createSocket('udp4');
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      const port = sock.address().port;
      const { child } = start(['watch', '-r', '-', '--format', 'cef', '--syslog', `udp://127.0.0.1:${port}`]);
      // A CEF line names rule, src and dst (a device-level alert, device.vulnerable, has no dst);
      // the key's parts must all be in one message.
      const arrived = (key: string) => {
        const [rule, src, dst, dport] = key.split('|');
        return got.some(
          (m) =>
            m.includes(`|${rule}|`) &&
            m.includes(`src=${src}`) &&
            (dst === '' || m.includes(`dst=${dst}`)) &&
            (dport === '' || m.includes(`dpt=${dport}`)),
        );
      };
      for (let k = 0; k < bytes.length; k++) {
        child.stdin.write(bytes[k]);
        const want = keys[k]!.filter((key) => !key.split('|')[1]!.includes(':') && !key.split('|')[2]!.includes(':'));
        await until(child, () => want.every(arrived), `syslog part ${k + 1}: ${want.join(', ')}`);
      }
      child.stdin.end();
      expect(await exited(child)).toBe(0);
      expect(got.every((m) => /^<\d+>1 \S+ \S+ wardwatch \d+ \S+ - CEF:0\|wardwatch\|/.test(m))).toBe(true);
    } finally {
      sock.close();
    }
  });
});
