import { describe, expect, it } from 'vitest';
import { RouteTable } from './route-table.js';
import type { PublishedEdge } from '../domain/internal-protocol.js';
import { backendAt, route } from './router-test-kit.js';

const edge = (appId: string, hostnames: string[]): PublishedEdge => ({
  appId, domains: hostnames.map((hostname) => ({ hostname, certificateId: null })), certificates: [], httpRedirect: false, hsts: false,
});

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

  it('routes every custom domain of an app as its default name, by app id through a rename, until the edge goes', () => {
    const table = new RouteTable();
    const demo = route('demo', []);
    table.set(demo);
    table.setEdge(demo.appId, edge(demo.appId, ['www.example.com']));
    expect(table.get('WWW.example.com:443')?.appName).toBe('demo');
    table.setEdge(demo.appId, edge(demo.appId, ['shop.example.com']));
    expect(table.get('www.example.com')).toBeUndefined();
    expect(table.get('shop.example.com')?.appName).toBe('demo');
    table.set({ ...demo, appName: 'renamed' });
    expect(table.get('shop.example.com')?.appName).toBe('renamed');
    expect(table.get('demo.localhost')).toBeUndefined();
    table.setEdge(demo.appId, null);
    expect(table.get('shop.example.com')).toBeUndefined();
    expect(table.get('renamed.localhost')?.appName).toBe('renamed');
  });

  it('matches a wildcard domain for one label only, and an exact domain of another app beats it', () => {
    const table = new RouteTable();
    const wild = route('wild', []);
    const shop = route('shop', []);
    table.replaceAll([wild, shop], [edge(wild.appId, ['*.example.com']), edge(shop.appId, ['shop.example.com'])]);
    expect(table.get('a.example.com')?.appName).toBe('wild');
    expect(table.get('shop.example.com')?.appName).toBe('shop');
    expect(table.get('example.com')).toBeUndefined();
    expect(table.get('a.b.example.com')).toBeUndefined();
    expect(table.customDomainApp('a.example.com')).toBe(wild.appId);
  });

  it('keeps its edges through a snapshot that carries none (an older snapshot file)', () => {
    const table = new RouteTable();
    const demo = route('demo', []);
    table.replaceAll([demo], [edge(demo.appId, ['www.example.com'])]);
    table.replaceAll([demo]);
    expect(table.get('www.example.com')?.appName).toBe('demo');
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
