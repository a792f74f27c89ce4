import { describe, expect, it } from 'vitest';
import { RouteTable } from './route-table.js';
import { backendAt, route } from './router-test-kit.js';

describe('RouteTable', () => {
  it('finds an app by <app>.<baseDomain>, ignoring case, port and a trailing dot', () => {
    const table = new RouteTable();
    table.set(route('demo', [backendAt(1000)]));
    for (const host of ['demo.localhost', 'DEMO.LocalHost:8080', 'demo.localhost.', 'demo.localhost.:80']) {
      expect(table.get(host)?.appName, host).toBe('demo');
    }
  });

  it('names no app for other hosts, nested labels, IP literals and garbage', () => {
    const table = new RouteTable();
    table.set(route('demo', [backendAt(1000)]));
    for (const host of [undefined, '', 'localhost', 'other.localhost', 'x.demo.localhost', 'demo.example.com', '127.0.0.1:8080', '[::1]:8080', 'demo.localhost:abc', 'de mo.localhost']) {
      expect(table.get(host), String(host)).toBeUndefined();
    }
  });

  it('uses a configured base domain', () => {
    const table = new RouteTable({ baseDomain: 'Apps.Example.COM' });
    table.set(route('demo', []));
    expect(table.get('demo.apps.example.com')?.appName).toBe('demo');
    expect(table.get('demo.localhost')).toBeUndefined();
  });

  it('routes custom domains, and forgets them when replaced or the app is removed', () => {
    const table = new RouteTable();
    table.set(route('demo', []));
    table.setDomains('demo', ['www.Example.com']);
    expect(table.get('WWW.example.com:443')?.appName).toBe('demo');
    table.setDomains('demo', ['shop.example.com']);
    expect(table.get('www.example.com')).toBeUndefined();
    expect(table.get('shop.example.com')?.appName).toBe('demo');
    table.remove('demo');
    expect(table.get('shop.example.com')).toBeUndefined();
    expect(table.get('demo.localhost')).toBeUndefined();
  });

  it('tells listeners about every change', () => {
    const table = new RouteTable();
    let changes = 0;
    const unsubscribe = table.onChange(() => changes++);
    table.set(route('demo', []));
    table.remove('demo');
    unsubscribe();
    table.set(route('demo', []));
    expect(changes).toBe(2);
  });
});
