import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authFor, DockerConfigCredentials } from './registry-credentials.js';

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('authFor (docker login credentials for a registry)', () => {
  const auths = {
    'https://index.docker.io/v1/': { auth: basic('hubuser', 'hub:pass') },
    'registry.example.com:5000': { auth: basic('ci', 's3cret') },
    'https://ghcr.io/v2/': { username: 'octo', password: 'pat' },
    'quay.io': { identitytoken: 'tok' },
    'helper.example': {},
  };

  it("finds Docker Hub's under the v1 index address docker login uses, with a password containing ':'", () => {
    expect(authFor(auths, 'docker.io')).toEqual({ username: 'hubuser', password: 'hub:pass', serveraddress: 'https://index.docker.io/v1/' });
  });

  it('finds a registry by host and port, and by a key written as a URL', () => {
    expect(authFor(auths, 'registry.example.com:5000')).toEqual({ username: 'ci', password: 's3cret', serveraddress: 'registry.example.com:5000' });
    expect(authFor(auths, 'ghcr.io')).toEqual({ username: 'octo', password: 'pat', serveraddress: 'ghcr.io' });
    expect(authFor(auths, 'quay.io')).toEqual({ identitytoken: 'tok', serveraddress: 'quay.io' });
  });

  it('gives nothing (an anonymous pull) for another registry, another port, or an entry kept in a credential helper', () => {
    expect(authFor(auths, 'registry.example.com')).toBeUndefined();
    expect(authFor(auths, 'registry.example.com:5001')).toBeUndefined();
    expect(authFor(auths, 'helper.example')).toBeUndefined();
    expect(authFor({}, 'docker.io')).toBeUndefined();
  });
});

describe('DockerConfigCredentials', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const configFile = async (text?: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-docker-config-'));
    dirs.push(dir);
    const file = join(dir, 'config.json');
    if (text !== undefined) await writeFile(file, text);
    return file;
  };

  it('reads the file at each lookup, so a later docker login counts without a restart', async () => {
    const file = await configFile('{}');
    const credentials = new DockerConfigCredentials(file);
    expect(await credentials.forRegistry('127.0.0.1:5000')).toBeUndefined();
    await writeFile(file, JSON.stringify({ auths: { '127.0.0.1:5000': { auth: basic('u', 'p') } } }));
    expect(await credentials.forRegistry('127.0.0.1:5000')).toEqual({ username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' });
  });

  it('pulls anonymously without a config file, and names a broken one', async () => {
    expect(await new DockerConfigCredentials(await configFile()).forRegistry('docker.io')).toBeUndefined();
    const broken = await configFile('{ auths:');
    await expect(new DockerConfigCredentials(broken).forRegistry('docker.io')).rejects.toThrow(`the Docker configuration ${broken} is not JSON`);
  });
});

describe('DockerConfigCredentials with credential helpers', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const withConfig = async (config: object) => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-docker-config-'));
    dirs.push(dir);
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    return join(dir, 'config.json');
  };

  it("asks the registry's helper (docker-credential-<name> get, the address on stdin) before credsStore and auths", async () => {
    const asked: Array<{ file: string; args: readonly string[]; input: string }> = [];
    const helpers: Record<string, string> = {
      'docker-credential-ecr-login': JSON.stringify({ ServerURL: 'x', Username: 'AWS', Secret: 'ecr-token' }),
      'docker-credential-desktop': JSON.stringify({ ServerURL: 'x', Username: '<token>', Secret: 'refresh' }),
    };
    const runProgram = async (file: string, args: readonly string[], opts: { input: string }) => {
      asked.push({ file, args, input: opts.input });
      return { code: 0, stdout: helpers[file]!, stderr: '' };
    };
    const file = await withConfig({
      auths: { '123.dkr.ecr.example.com': { auth: basic('stale', 'stale') } },
      credsStore: 'desktop',
      credHelpers: { '123.dkr.ecr.example.com': 'ecr-login' },
    });
    const credentials = new DockerConfigCredentials(file, runProgram);
    expect(await credentials.forRegistry('123.dkr.ecr.example.com')).toEqual({ username: 'AWS', password: 'ecr-token', serveraddress: '123.dkr.ecr.example.com' });
    expect(await credentials.forRegistry('docker.io')).toEqual({ identitytoken: 'refresh', serveraddress: 'https://index.docker.io/v1/' });
    expect(asked).toEqual([
      { file: 'docker-credential-ecr-login', args: ['get'], input: '123.dkr.ecr.example.com' },
      { file: 'docker-credential-desktop', args: ['get'], input: 'https://index.docker.io/v1/' },
    ]);
  });

  it('pulls anonymously when the helper has nothing stored, and says which helper failed otherwise', async () => {
    const file = await withConfig({ credsStore: 'pass' });
    const nothing = new DockerConfigCredentials(file, async () => ({ code: 1, stdout: 'credentials not found in native keychain\n', stderr: '' }));
    expect(await nothing.forRegistry('ghcr.io')).toBeUndefined();
    const broken = new DockerConfigCredentials(file, async () => ({ code: 1, stdout: '', stderr: 'gpg: decryption failed' }));
    await expect(broken.forRegistry('ghcr.io')).rejects.toThrow('the credential helper docker-credential-pass failed: gpg: decryption failed');
    const missing = new DockerConfigCredentials(await withConfig({ credsStore: 'nonexistent-berth-test' }));
    await expect(missing.forRegistry('ghcr.io')).rejects.toThrow('cannot run the credential helper docker-credential-nonexistent-berth-test');
    await expect(new DockerConfigCredentials(await withConfig({ credsStore: '../../bin/sh' })).forRegistry('ghcr.io')).rejects.toThrow('is not a plain program name');
  });
});
