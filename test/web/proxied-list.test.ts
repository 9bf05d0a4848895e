// The policy page's list of what lies behind a proxy peer (web/src/features/policy/ProxiedList.tsx),
// rendered to markup without a browser: each destination with its requests, refused, and the rules
// whose alerts named it, in the order the proposal gives; wire text stays text.
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProxiedDestination } from '../../src/contract/policy-api.js';

// Loaded at run time: the root tsconfig compiles no JSX (web/tsconfig.json does), vitest does.
const FILE = '../../web/src/features/policy/ProxiedList.tsx';
let ProxiedList: FunctionComponent<{ list: readonly ProxiedDestination[] }>;
beforeAll(async () => {
  ({ ProxiedList } = (await import(FILE)) as { ProxiedList: typeof ProxiedList });
});

const cells = (html: string) =>
  [...html.matchAll(/<tr data-testid="proposal-proxied-destination"[^>]*>(.*?)<\/tr>/g)].map((m) =>
    [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) =>
      c[1]!
        .replace(/<[^>]+>/g, ' ')
        .trim()
        .replace(/\s+/g, ' '),
    ),
  );

describe('ProxiedList', () => {
  it('lists each destination behind the proxy: destination, requests, refused, alert rules', () => {
    const html = renderToStaticMarkup(
      createElement(ProxiedList, {
        list: [
          { host: '202.114.4.120', port: 515, requests: 1, alerts: ['egress.ioc', 'phi.cleartext'] },
          { host: 'updates.vendor.example', port: 443, requests: 2 },
          { host: '2001:db8::5', port: 8443, requests: 3, refused: true },
        ],
      }),
    );
    expect(html).toContain('data-testid="proposal-proxied"');
    expect(html).toContain('3 destinations');
    expect(cells(html)).toEqual([
      ['202.114.4.120:515', '1', '—', 'egress.ioc phi.cleartext'],
      ['updates.vendor.example:443', '2', '—', '—'],
      ['[2001:db8::5]:8443', '3', 'refused', '—'],
    ]);
  });

  it('renders a host name with markup as text', () => {
    const html = renderToStaticMarkup(createElement(ProxiedList, { list: [{ host: '<img src=x>', requests: 1 }] }));
    expect(html).not.toContain('<img');
    expect(cells(html)[0]![0]).toBe('&lt;img src=x&gt;');
  });
});
