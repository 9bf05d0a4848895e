// A tiny peer the lab e2e runs inside a namespace with plain node (no build, fast start):
//   listen  {host, ports}            TCP echo servers; logs "conn REMOTE PORT" and "data REMOTE PORT BYTES"
//   connect {host, port, local, sends: [{afterMs, text}], timeoutMs}   prints {connected, echoed[], error}
//   dns     {server, name, local}    prints {addresses} (or {error}) asking `server` from `local`
import { Resolver } from 'node:dns/promises';
import { connect, createServer } from 'node:net';

const [mode, json] = process.argv.slice(2);
const o = JSON.parse(json ?? '{}');
const print = (x) => process.stdout.write(`${typeof x === 'string' ? x : JSON.stringify(x)}\n`);

if (mode === 'listen') {
  let ready = 0;
  for (const port of o.ports) {
    const srv = createServer((s) => {
      print(`conn ${s.remoteAddress} ${port}`);
      s.on('data', (d) => {
        print(`data ${s.remoteAddress} ${port} ${d.length}`);
        s.write(d);
      });
      s.on('error', () => s.destroy());
    });
    srv.listen(port, o.host, () => {
      if (++ready === o.ports.length) print('ready');
    });
  }
  process.on('SIGTERM', () => process.exit(0));
} else if (mode === 'connect') {
  const res = { connected: false, echoed: [], error: undefined };
  const s = connect({ host: o.host, port: o.port, localAddress: o.local });
  let got = 0;
  s.on('data', (d) => {
    got += d.length;
  });
  const finish = () => {
    print(res);
    s.destroy();
    process.exit(0);
  };
  const timer = setTimeout(() => {
    res.error ??= 'timeout';
    finish();
  }, o.timeoutMs ?? 3000);
  s.on('error', (e) => {
    res.error = e.code ?? e.message;
    clearTimeout(timer);
    finish();
  });
  s.on('connect', async () => {
    res.connected = true;
    for (const step of o.sends ?? []) {
      await new Promise((r) => setTimeout(r, step.afterMs ?? 0));
      const before = got;
      s.write(step.text);
      await new Promise((r) => setTimeout(r, step.waitMs ?? 500));
      res.echoed.push(got - before);
    }
    clearTimeout(timer);
    finish();
  });
} else if (mode === 'dns') {
  const r = new Resolver({ timeout: 1500, tries: 1 });
  r.setLocalAddress(o.local);
  r.setServers([o.server]);
  r.resolve4(o.name)
    .then((addresses) => print({ addresses }))
    .catch((e) => print({ error: e.code ?? e.message }));
}
