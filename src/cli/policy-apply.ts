// `wardwatch policy apply|confirm|rollback|status|grant`: the enforcing half. Every command that
// touches a firewall needs `--netns NAME` (a lab namespace) or `--host` said in so many words;
// under a test runner `--host` is refused outright.
import { randomBytes } from 'node:crypto';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Grant } from '../contract/policy.js';
import { DEFAULT_SITE_CIDRS } from '../net/zones.js';
import { loadPolicy } from '../config/policy.js';
import { applyPolicy, confirmPolicy, grantAccess, rollbackPolicy, StateDir, waitForConfirm } from '../enforce/apply.js';
import { nftRuleset, type Target } from '../enforce/tools.js';
import { FeedWatchdog } from '../enforce/watchdog.js';
import { WardwatchError } from '../errors.js';
import { isAddressPeer } from '../policy/match.js';
import { compileNftables } from '../policy/compile/nftables.js';
import { compiledDevices } from '../policy/compile/plan.js';
import { addressesFrom } from '../engine/policy.js';
import { parseDuration } from './sim.js';
import { exampleText } from './examples.js';
import { documentFormat } from './format-option.js';
import { writeAfter } from './output.js';
import { repeatable } from './repeat.js';

interface Common {
  netns?: string;
  host?: boolean;
  state?: string;
  by?: string;
  reason?: string;
}

function target(o: Common, required = true): Target | undefined {
  if (o.netns !== undefined && o.host) throw new WardwatchError('WW_ARGS', 'give --netns NAME or --host, not both');
  if (o.netns !== undefined) {
    if (!/^[\w.-]+$/.test(o.netns)) throw new WardwatchError('WW_ARGS', `--netns: not a namespace name: '${o.netns}'`);
    return { netns: o.netns };
  }
  if (o.host) {
    if (process.env.VITEST !== undefined || process.env.WARDWATCH_TEST !== undefined)
      throw new WardwatchError(
        'WW_ARGS',
        '--host is refused under a test runner: tests apply rules only inside lab namespaces',
      );
    return { host: true };
  }
  if (!required) return undefined;
  throw new WardwatchError(
    'WW_ARGS',
    "say where: --netns NAME (a network namespace) or --host (this machine's own firewall, deliberately)",
  );
}

function state(o: Common): StateDir {
  return new StateDir(o.state ?? process.env.WARDWATCH_HOME ?? join(homedir(), '.config', 'wardwatch'));
}

const who = (o: Common) => ({ by: o.by ?? process.env.SUDO_USER ?? userInfo().username, reason: o.reason ?? '' });

function common(c: Command, where = true): Command {
  if (where)
    c.option('--netns <name>', 'network namespace whose firewall to change').option(
      '--host',
      "change this host's own firewall",
    );
  return c
    .option('--state <dir>', 'state dir (snapshot, grants, audit log); default $WARDWATCH_HOME or ~/.config/wardwatch')
    .option('--by <name>', 'who (for the audit log); default the (sudo) user')
    .option('--reason <text>', 'why (for the audit log)');
}

const say = (s: string) => process.stderr.write(`${s}\n`);

/** Devices whose HL7 feed the watchdog should watch: those with an allow rule for HL7. */
function hl7Devices(addresses: Record<string, string[]>, policyFile: string): string[] {
  const { devices } = compiledDevices({ policy: loadPolicy(policyFile), addresses });
  return devices
    .filter((d) => d.policy.allow.some((r) => r.app === 'hl7' || r.port === 2575 || /HL7/.test(r.note ?? '')))
    .flatMap((d) => d.addresses);
}

async function startWatchdog(iface: string, devices: string[], stallMs: number) {
  const { startLiveCapture } = await import('../capture/live.js');
  const { Pipeline } = await import('../engine/analyze.js');
  const dog = new FeedWatchdog(devices, stallMs);
  const cap = startLiveCapture({ iface });
  const watched = new Set(devices);
  const pipeline = new Pipeline({
    salt: randomBytes(32).toString('hex'),
    onEvent: (ev) => {
      if (ev.type !== 'hl7-message') return;
      if (watched.has(ev.src.ip)) dog.feed(ev.src.ip);
      if (watched.has(ev.dst.ip)) dog.feed(ev.dst.ip);
    },
  });
  const reading = pipeline.readStream(cap.stream, iface).catch(() => undefined);
  await cap.ready;
  return {
    dog,
    stop: async () => {
      await cap.stop();
      await reading;
    },
  };
}

export function registerApply(policy: Command): void {
  common(
    policy
      .command('apply')
      .description('apply a policy (root): snapshot, atomic nft -f, conntrack flush; rolls back unless confirmed')
      .argument('<policy>', 'policy file')
      .option('--confirm-within <duration>', 'roll back unless `policy confirm` comes within this (0: no wait)', '120s')
      .option(
        '--capture <file>',
        'a capture: addresses of devices matched by MAC only, and a dry run first (repeat for several)',
        repeatable,
      )
      .option('--allow-clinical-block', 'apply even when the dry run on --capture blocks a clinical flow')
      .option('--max-cache-ttl <seconds>', "the resolver's max cache TTL", '3600')
      .option('--watchdog-iface <iface>', 'watch clinical feeds live on this interface (in the current namespace)')
      .option('--feed-timeout <duration>', 'roll back when a watched clinical feed is silent this long', '30s')
      .option('--watch-for <duration>', 'keep the watchdog running this long after apply (even once confirmed)', '0s')
      .option(
        '--watch-device <ip>',
        'a device whose feed to watch (repeat for several; default: those with an HL7 allow rule)',
        repeatable,
      )
      .addHelpText(
        'after',
        exampleText([
          'sudo wardwatch policy apply ward-policy.yaml --host --capture ward.pcap --reason "CHG-1234"',
          'sudo wardwatch policy apply ward-policy.yaml --netns ward-gw --watchdog-iface eth1 --watch-device 10.1.2.30 --watch-device 10.1.2.31',
        ]),
      ),
  ).action(
    async (
      file: string,
      o: Common & {
        confirmWithin: string;
        capture?: string[];
        allowClinicalBlock?: boolean;
        maxCacheTtl: string;
        watchdogIface?: string;
        feedTimeout: string;
        watchFor: string;
        watchDevice?: string[];
      },
    ) => {
      const t = target(o)!;
      const st = state(o);
      const addresses = await addressesFrom(o.capture);
      const policy = loadPolicy(file);
      if (o.capture !== undefined && o.capture.length > 0) {
        // "Never break monitoring" is checked before anything is applied.
        const { simulateCaptures } = await import('../engine/policy.js');
        const sim = await simulateCaptures(policy, o.capture);
        for (const w of sim.warnings) say(`!!! WARNING: ${w.message}`);
        if (sim.warnings.length > 0 && !o.allowClinicalBlock)
          throw new WardwatchError(
            'WW_POLICY_INVALID',
            'not applied: the dry run blocks a clinical flow (see above; --allow-clinical-block to insist)',
          );
      }
      const withGrants = { ...policy, grants: [...(policy.grants ?? []), ...st.grants()] };
      const compiled = compileNftables({
        policy: withGrants,
        addresses,
        site: DEFAULT_SITE_CIDRS,
        maxCacheTtl: Number(o.maxCacheTtl),
      });
      for (const w of compiled.warnings) say(`warning: ${w}`);
      const { devices } = compiledDevices({ policy: withGrants, addresses });
      const tags: Record<string, string> = {};
      for (const d of devices) {
        for (const a of d.addresses) tags[a] = d.tag;
        if (d.policy.match.mac) tags[d.policy.match.mac.toLowerCase()] = d.tag;
        if (d.policy.name) tags[d.policy.name] = d.tag;
      }
      const confirmS = parseDuration(o.confirmWithin, '--confirm-within');
      const watch = o.watchdogIface
        ? await startWatchdog(
            o.watchdogIface,
            o.watchDevice ?? hl7Devices(addresses, file),
            parseDuration(o.feedTimeout, '--feed-timeout') * 1000,
          )
        : undefined;
      try {
        const r = applyPolicy({
          target: t,
          state: st,
          policyFile: file,
          ruleset: compiled.text,
          timeZone: compiled.timeZone,
          tags,
          addresses: devices.flatMap((d) => d.addresses),
          confirmWithinS: confirmS,
          ...who(o),
        });
        say(
          `applied ${r.applied.id} to ${r.applied.target}: ${r.diff.length} lines changed, ${r.conntrackDeleted} conntrack entries flushed`,
        );
        if (confirmS === 0 && watch === undefined) return;
        if (confirmS > 0) say(`run \`wardwatch policy confirm\` by ${r.applied.confirmBy}, or it rolls back`);
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        const end = await waitForConfirm(st, t, {
          watchdog: watch ? () => watch.dog.check() : undefined,
          keepWatchingUntil: Date.now() + parseDuration(o.watchFor, '--watch-for') * 1000,
          signal: ac.signal,
        });
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        say(
          `${end.outcome}${end.detail ? `: ${end.detail}` : ''}${end.outcome === 'confirmed' ? '' : ' — rolled back'}`,
        );
        const deadline = watch?.dog.deadline();
        const result = {
          id: r.applied.id,
          outcome: end.outcome,
          at: new Date(end.at).toISOString(),
          detail: end.detail,
          ...(deadline !== undefined ? { feedDeadline: new Date(deadline).toISOString() } : {}),
        };
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } finally {
        await watch?.stop();
      }
    },
  );

  common(
    policy
      .command('confirm')
      .description('keep the last apply (stops its rollback timer)')
      .addHelpText(
        'after',
        exampleText(['sudo wardwatch policy confirm --reason "feeds checked at the central station"']),
      ),
    false,
  ).action((o: Common) => {
    const a = confirmPolicy(state(o), who(o));
    say(`confirmed ${a.id}`);
  });

  common(
    policy
      .command('rollback')
      .description('restore the ruleset the last apply replaced')
      .addHelpText(
        'after',
        exampleText(['sudo wardwatch policy rollback --host --reason "central station lost BED3"']),
      ),
  ).action((o: Common) => {
    const diff = rollbackPolicy(state(o), target(o)!, who(o));
    say(`rolled back: ${diff.length} lines changed`);
  });

  common(
    policy
      .command('status')
      .description('what is applied, open grants, the audit log; with --netns/--host the live ruleset'),
  )
    .addOption(documentFormat(['table', 'json'], 'table'))
    .option('-o, --out <file>', 'write the status to a file instead of stdout')
    .addHelpText(
      'after',
      exampleText([
        'wardwatch policy status',
        'sudo wardwatch policy status --netns ward-gw --format json -o status.json',
      ]),
    )
    .action(async (o: Common & { format: 'table' | 'json'; out?: string }) =>
      writeAfter(o.out, () => {
        const st = state(o);
        const t = target(o, false);
        const s = {
          applied: st.applied() ?? null,
          grants: st.grants(),
          audit: st.auditLog().slice(-20),
          ...(t ? { ruleset: nftRuleset(t) } : {}),
        };
        if (o.format === 'json') return `${JSON.stringify(s, null, 2)}\n`;
        const a = s.applied;
        return (
          `${a ? `applied ${a.id} (${a.policyFile}) to ${a.target} at ${a.appliedAt} by ${a.by}${a.confirmBy ? `, UNCONFIRMED: rolls back at ${a.confirmBy}` : ', confirmed'}` : 'nothing applied'}\n` +
          `${s.grants.map((g) => `grant ${g.id}: ${g.device} → ${g.to} until ${g.until} (${g.reason})`).join('\n')}\n` +
          `${s.audit.map((e) => `${e.ts} ${e.action} by ${e.by}: ${e.reason}`).join('\n')}\n${s.ruleset ?? ''}`
        );
      }),
    );

  common(
    policy
      .command('grant')
      .description('open a device to a peer for a while; closes by itself (open connections too)')
      .argument('<device>', 'device MAC or address (as in the applied policy)')
      .requiredOption('--to <peer>', 'address, CIDR or DNS name (a name opens at the next apply)')
      .requiredOption('--for <duration>', 'how long, e.g. 2h (at most 30 days)')
      .option('--offline', 'record the grant without touching a firewall (it opens at the next apply)')
      .addHelpText(
        'after',
        exampleText([
          'sudo wardwatch policy grant 00:1b:4f:12:34:56 --to 203.0.113.10 --for 2h --reason "vendor service CHG-1234" --host',
          'wardwatch policy grant 10.1.2.30 --to updates.vendor.example --for 1d --reason "firmware update" --offline',
        ]),
      ),
  ).action((device: string, o: Common & { to: string; for: string; offline?: boolean }) => {
    if (o.reason === undefined || o.reason.trim() === '')
      throw new WardwatchError('WW_ARGS', 'a grant needs --reason (a ticket, a name)');
    // A name needs the resolver's nftset= line and a set of its own: it opens at the next apply.
    const byName = !isAddressPeer(o.to);
    if (byName && !/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(o.to))
      throw new WardwatchError('WW_ARGS', `--to ${o.to}: give an address, a CIDR or a DNS name`);
    const s = parseDuration(o.for, '--for');
    if (s <= 0 || s > 30 * 86400) throw new WardwatchError('WW_ARGS', `--for: between 1s and 30 days, got ${o.for}`);
    const now = Date.now();
    const g = Grant.parse({
      id: randomBytes(4).toString('hex'),
      device: device.toLowerCase(),
      to: o.to,
      from: new Date(now).toISOString(),
      until: new Date(now + s * 1000).toISOString(),
      reason: o.reason,
      by: who(o).by,
    });
    const r = grantAccess(state(o), o.offline || byName ? undefined : target(o)!, g);
    if (byName)
      say(`grant to a name: compiled into the next \`policy apply\` (and \`policy compile --target dnsmasq\`)`);
    process.stdout.write(`${JSON.stringify({ ...g, live: r.live })}\n`);
  });
}
