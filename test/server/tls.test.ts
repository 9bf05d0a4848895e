// --tls-cert/--tls-key: the console serves HTTPS and its session cookie is Secure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { addUser } from '../../src/server/auth/users.js';
import { openStore } from '../../src/store/open.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function post(port: number, path: string, body: unknown): Promise<{ status: number; cookie: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('TLS', () => {
  it('serves HTTPS with Secure cookies', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const store = await openStore(join(dir, 'tls.db'));
    const password = await addUser(store, 'vera', 'viewer');
    const { app } = await buildApp({
      store,
      https: { key: readFileSync(key), cert: readFileSync(cert) },
      webDist: join(dir, 'none'),
    });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as { port: number }).port;
      const res = await post(port, '/api/session', { username: 'vera', password });
      expect(res.status).toBe(200);
      expect(res.cookie).toMatch(/; Secure/);
      expect(res.cookie).toMatch(/HttpOnly/);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
