// The policy commands as a user runs them (built CLI): a dry run that warns before anything is
// applied, errors that name the file and line, and an apply that will not touch the host by accident.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FeedWatchdog } from '../../src/enforce/watchdog.js';
import { lineDiff, StateDir } from '../../src/enforce/state.js';
import { writeScenario } from '../../src/sim/scenarios.js';
import { wardwatch } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-policy-cli-'));
const cap = join(dir, 'cms.pcap');
beforeAll(async () => {
  await writeScenario('cms8000', { durationSec: 60, seed: 3, out: cap });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wardwatch policy (CLI)', () => {
  it('learn → simulate: the proposal blocks the backdoor; a policy forgetting the central station warns loudly', () => {
    const learnt = join(dir, 'learnt.yaml');
    const l = wardwatch(['policy', 'learn', cap, '-o', learnt]);
    expect(l.status, l.stderr).toBe(0);
    const s = wardwatch(['policy', 'simulate', learnt, cap]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/02:57:30:00:00:01 +BLOCK +out +202\.114\.4\.120:515 +tcp/);
    expect(s.stderr).toBe('');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'version: 2\ndevices:\n  - match: {class: patient-monitor}\n    mode: local-only\n    deny: [{peer: 10.40.12.20}]\n',
    );
    const w = wardwatch(['policy', 'simulate', bad, cap, '--format', 'json']);
    expect(w.stderr).toMatch(/!!! WARNING: this policy would BLOCK A CLINICAL FLOW/);
    const json = JSON.parse(w.stdout) as {
      devices: { id: string; blocked: { dst: string; reason: string }[] }[];
      warnings: unknown[];
    };
    expect(json.warnings.length).toBeGreaterThan(0);
    expect(json.devices[0]!.blocked[0]).toMatchObject({ dst: '10.40.12.20', reason: 'deny any 10.40.12.20' });
    // apply runs the same dry run first and refuses, before it touches any firewall.
    const a = wardwatch(['policy', 'apply', bad, '--netns', 'ww-none', '--capture', cap, '--state', join(dir, 's')]);
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/not applied: the dry run blocks a clinical flow/);
    const proposal = parse(readFileSync(learnt, 'utf8')) as { version: number };
    expect(proposal.version).toBe(2);
  });

  it('compile names the file and line of a mistake, and exits 1', () => {
    const f = join(dir, 'typo.yaml');
    writeFileSync(
      f,
      'version: 2\ndevices:\n  - match: {ip: 10.1.1.1}\n    mode: enforce\n    allow:\n      - {peer: 10.1.1.2, proto: tpc}\n',
    );
    const r = wardwatch(['policy', 'compile', f]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/typo\.yaml:6: devices\.0\.allow\.0\.proto/);
  });

  it('apply needs --netns or --host, and refuses --host under a test runner', () => {
    const f = join(dir, 'p.yaml');
    writeFileSync(f, 'version: 2\ndevices:\n  - match: {ip: 10.1.1.1}\n    mode: enforce\n');
    const none = wardwatch(['policy', 'apply', f, '--state', join(dir, 's')]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/say where: --netns NAME .* or --host/);
    const host = wardwatch(['policy', 'apply', f, '--host', '--state', join(dir, 's')], {
      env: { WARDWATCH_TEST: '1' },
    });
    expect(host.status).toBe(1);
    expect(host.stderr).toMatch(/--host is refused under a test runner/);
    const grant = wardwatch([
      'policy',
      'grant',
      '10.1.1.1',
      '--to',
      '203.0.113.5',
      '--for',
      '2h',
      '--offline',
      '--state',
      join(dir, 's'),
    ]);
    expect(grant.stderr).toMatch(/a grant needs --reason/);
  });

  it('grant --offline records the grant for the next apply and audits it', () => {
    const state = join(dir, 'g');
    const r = wardwatch([
      'policy',
      'grant',
      '02:57:40:00:00:01',
      '--to',
      '203.0.113.7',
      '--for',
      '2h',
      '--reason',
      'ticket 4711',
      '--by',
      'ana',
      '--offline',
      '--state',
      state,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const st = new StateDir(state);
    expect(st.grants()).toMatchObject([
      { device: '02:57:40:00:00:01', to: '203.0.113.7', reason: 'ticket 4711', by: 'ana' },
    ]);
    expect(st.auditLog()).toMatchObject([{ action: 'grant', by: 'ana', reason: 'ticket 4711', target: 'not applied' }]);
    expect(st.grants(Date.now() + 3 * 3600e3)).toEqual([]);
  });
});

describe('enforce helpers', () => {
  it('the watchdog trips only after a watched feed is silent longer than its limit', () => {
    const dog = new FeedWatchdog(['10.40.12.101'], 3000, 0);
    dog.feed('10.40.12.101', 2000);
    dog.feed('10.40.12.199', 9000); // not watched
    expect(dog.deadline()).toBe(5000);
    expect(dog.check(5000)).toBeUndefined();
    expect(dog.check(5001)).toBe('clinical feed of 10.40.12.101 silent for 3 s (limit 3 s)');
  });
  it('the audit diff ignores counters and comments', () => {
    expect(lineDiff('a\n  counter packets 1 bytes 2\n# x\n', 'a\n  counter packets 9 bytes 9\nb\n')).toEqual(['+ b']);
  });
});
