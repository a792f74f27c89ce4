// The docker driver: the shared runtime contract, plus what only containers promise: hardening
// (no capabilities, NoNewPrivs, no Docker socket, read-only root), per-app networks, adoption.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { SLUG_IMAGE_LABEL } from '../../domain/image-conventions.js';
import { findSize } from '../../domain/sizes.js';
import { run } from '../../platform/exec.js';
import { eventually, getJson, ECHO_SERVER_JS, runtimeContract, specFor, type RuntimeHarness } from '../runtime.contract.js';
import type { InstanceSpec } from '../runtime.js';
import { silentLogger } from '../../platform/logger.js';
import { followProgress } from '../../build/docker/engine-progress.js';
import { packFiles } from '../../build/docker/pack-files.js';
import { STACK_IMAGE } from '../../build/docker/stack-image.js';
import { describeWith } from '../../../test/support/require-dependency.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../../../test/support/docker-engine.js';
import { DockerRuntime, SCOPE_LABEL } from './docker-runtime.js';
import { InstanceDisks } from './instance-disks.js';

const docker = new Docker();

/** An image of the stack with the given files at /app, labelled as the image builder labels a buildpack slug. */
async function imageWith(files: Record<string, string>, tag: string): Promise<string> {
  const context = packFiles({
    Dockerfile: `FROM ${STACK_IMAGE}\nCOPY --chown=1000:1000 app/ /app/\nLABEL ${SCOPE_LABEL}=test ${SLUG_IMAGE_LABEL.join('=')}\n`,
    ...Object.fromEntries(Object.entries(files).map(([name, text]) => [`app/${name}`, text])),
  });
  await followProgress(await docker.buildImage(context, { t: tag, rm: true }), () => {});
  return tag;
}

/** Where a test scope's /app filesystems are made, as BERTH_HOME/instance-disks is for a server. */
const disksDir = (scope: string) => join(tmpdir(), `berth-test-disks-${scope}`);

async function makeHarness(): Promise<RuntimeHarness & { runtime: DockerRuntime; scope: string }> {
  const scope = `test-${randomBytes(4).toString('hex')}`;
  const disks = new InstanceDisks(disksDir(scope), silentLogger);
  const runtime = new DockerRuntime({ docker, logger: silentLogger, scope, stopGraceMs: 2000, disks });
  const images: string[] = [];
  return {
    runtime,
    scope,
    async makeSlug(files) {
      const tag = await imageWith(files, `berth-test/${scope}:${images.length + 1}`);
      images.push(tag);
      return tag;
    },
    async cleanup() {
      runtime.detach();
      await removeScope(scope);
      for (const image of images) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
      await rm(disksDir(scope), { recursive: true, force: true });
    },
  };
}

/** Containers and networks a test left behind under its scope. */
async function removeScope(scope: string): Promise<void> {
  const label = [`${SCOPE_LABEL}=${scope}`];
  for (const c of await docker.listContainers({ all: true, filters: { label } })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters: { label } })) {
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
}

async function oneOff(runtime: DockerRuntime, spec: InstanceSpec, command: string): Promise<{ exitCode: number; output: string }> {
  const stdout = new PassThrough();
  let output = '';
  stdout.on('data', (c: Buffer) => (output += c.toString()));
  const { index: _index, ...base } = spec;
  const { exitCode } = await runtime.exec({ ...base, command, stdout });
  return { exitCode, output };
}

describeWith(dockerEngine, 'docker runtime', () => {
  beforeAll(() => stackImageReady(), STACK_BUILD_TIMEOUT_MS);

  runtimeContract('docker', makeHarness);

  describe('hardening and isolation', () => {
    let harness: Awaited<ReturnType<typeof makeHarness>>;
    let slug: string;
    beforeAll(async () => {
      harness = await makeHarness();
      slug = await harness.makeSlug({ 'server.js': ECHO_SERVER_JS });
    });
    afterAll(() => harness?.cleanup());

    it('runs as a non-root user with no capabilities, NoNewPrivs and no Docker socket', async () => {
      const probe = await oneOff(harness.runtime, specFor(slug), 'id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status; test -e /var/run/docker.sock && echo socket-present || echo no-socket');
      expect(probe.exitCode).toBe(0);
      const [uid, ...rest] = probe.output.trim().split('\n');
      expect(uid).toBe('1000');
      expect(rest).toEqual(expect.arrayContaining(['CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000', 'NoNewPrivs:\t1', 'no-socket']));
    });

    it('has a read-only root filesystem but a writable /tmp and a writable, ephemeral /app', async () => {
      const spec = specFor(slug);
      const probe = await oneOff(harness.runtime, spec, 'touch /etc/x 2>/dev/null && echo etc-writable; echo t > /tmp/t && echo tmp-ok; echo a > /app/written && echo app-ok');
      expect(probe.output.trim().split('\n')).toEqual(['tmp-ok', 'app-ok']);
      const again = await oneOff(harness.runtime, spec, 'test -e /app/written && echo kept || echo gone');
      expect(again.output.trim()).toBe('gone');
    });

    it("keeps apps apart: one app's container cannot reach another app's, the host reaches both", async () => {
      const other = await harness.runtime.start(specFor(slug, { appId: 'app-other', appName: `other-${harness.scope}` }));
      const sameApp = await harness.runtime.start(specFor(slug, { appId: 'app-probe', appName: `probe-${harness.scope}` }));
      await eventually(() => getJson(other));
      await eventually(() => getJson(sameApp));
      const dial = (target: { host: string; port: number }) =>
        `node -e "const s=require('net').connect(${target.port},'${target.host}');s.setTimeout(3000);s.on('connect',()=>{console.log('reached');process.exit(0)});s.on('error',()=>{console.log('refused');process.exit(0)});s.on('timeout',()=>{console.log('unreachable');process.exit(0)})"`;
      const probeSpec = specFor(slug, { appId: 'app-probe', appName: `probe-${harness.scope}` });
      expect((await oneOff(harness.runtime, probeSpec, dial(other.address!))).output.trim()).not.toBe('reached');
      expect((await oneOff(harness.runtime, probeSpec, dial(sameApp.address!))).output.trim()).toBe('reached');
    });

    it('applies the memory, CPU and pids limits of the size', async () => {
      const instance = await harness.runtime.start(specFor(slug));
      const info = await docker.getContainer(instance.id).inspect();
      expect(info.HostConfig).toMatchObject({ Memory: 512 * 1024 * 1024, PidsLimit: 256, ReadonlyRootfs: true, CapDrop: ['ALL'] });
      expect(info.HostConfig.NanoCpus).toBeGreaterThan(0);
      expect(info.Mounts.filter((m) => m.Type === 'bind')).toEqual([]);
    });

    it('treats a removal the engine already has under way (409) as the container being removed, not an error', async () => {
      const instance = await harness.runtime.start(specFor(slug, { appName: `rm-race-${harness.scope}` }));
      // Two removals at once, as a reconcile pass and an app destroy can ask: the engine answers the second with 409.
      const results = await Promise.allSettled([harness.runtime.remove(instance.id), harness.runtime.remove(instance.id)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(await docker.getContainer(instance.id).inspect().then(() => 'present', () => 'gone')).toBe('gone');
      expect((await docker.listNetworks({ filters: { name: [`berth-rm-race-${harness.scope}`] } })).map((n) => n.Name)).toEqual([]);
    });

    it('drops the network of an app that only ever ran one-off dynos once they end', async () => {
      const appName = `one-off-only-${harness.scope}`;
      const probe = await oneOff(harness.runtime, specFor(slug, { appName }), 'echo ran');
      expect(probe.output).toBe('ran\n');
      expect((await docker.listNetworks({ filters: { name: [`berth-${appName}`] } })).map((n) => n.Name)).toEqual([]);
    });
  });

  describe('disk limit of /app', () => {
    let harness: Awaited<ReturnType<typeof makeHarness>>;
    let slug: string;
    const small = { ...findSize('standard-1x')!, diskMb: 64 };
    beforeAll(async () => {
      harness = await makeHarness();
      slug = await harness.makeSlug({ 'server.js': ECHO_SERVER_JS });
    });
    afterAll(() => harness?.cleanup());

    it("writing past the size's disk limit fails with ENOSPC, and the app keeps running", async () => {
      const fill = 'dd if=/dev/zero of=/app/fill bs=1M count=200 2>&1 | head -1; df -k /app | tail -1';
      const instance = await harness.runtime.start(specFor(slug, { size: small, command: `${fill}; exec node server.js` }));
      // The app's own files were copied into its limited /app (node runs /app/server.js).
      expect(await eventually(() => getJson(instance))).toMatchObject({ dyno: 'web.1' });
      let logs = '';
      for await (const chunk of harness.runtime.logs(instance.id, { follow: false })) logs += `${chunk.line}\n`;
      expect(logs).toContain('No space left on device');
      expect((await harness.runtime.inspect(instance.id))?.status).toBe('running');
      const info = await docker.getContainer(instance.id).inspect();
      expect(info.Mounts.find((m) => m.Destination === '/app')).toMatchObject({ Type: 'volume', Driver: 'local' });

      const oneOffRun = await oneOff(harness.runtime, specFor(slug, { size: small }), `${fill}; test -f /app/server.js && echo app-files-present`);
      expect(oneOffRun.output).toContain('No space left on device');
      expect(oneOffRun.output).toContain('app-files-present');
    });

    it('leaves no loop device or volume behind once the container is gone', async () => {
      const instance = await harness.runtime.start(specFor(slug, { size: small }));
      await eventually(() => getJson(instance));
      const volume = (await docker.getContainer(instance.id).inspect()).Mounts.find((m) => m.Destination === '/app')!.Name!;
      const device = ((await docker.getVolume(volume).inspect()) as { Options?: Record<string, string> }).Options?.device;
      expect(await attachedDevices(disksDir(harness.scope))).toContain(device);
      await harness.runtime.stop(instance.id, { graceMs: 1000 });
      await harness.runtime.remove(instance.id);
      expect(await docker.getVolume(volume).inspect().then(() => 'kept', () => 'gone')).toBe('gone');
      expect(await attachedDevices(disksDir(harness.scope))).not.toContain(device);
    });

    it("detaches the devices a killed Berth made but never handed to a container", async () => {
      const dir = disksDir(harness.scope);
      const running = await harness.runtime.start(specFor(slug, { size: small }));
      const orphan = await new InstanceDisks(dir, silentLogger).create(16);
      expect(await attachedDevices(dir)).toContain(orphan);
      const restarted = new DockerRuntime({ docker, logger: silentLogger, scope: harness.scope, disks: new InstanceDisks(dir, silentLogger) });
      await restarted.removeLeftovers();
      restarted.detach();
      expect(await attachedDevices(dir)).not.toContain(orphan);
      // A running instance's /app is mounted: it stays, and the instance keeps answering.
      expect(await eventually(() => getJson(running))).toMatchObject({ dyno: 'web.1' });
      expect(await oneOff(harness.runtime, specFor(slug, { size: small }), 'echo x > /app/x && echo writable')).toMatchObject({ output: 'writable\n' });
    });
  });

  describe('adoption', () => {
    it('a new runtime over the same scope adopts running containers and sees their exits', async () => {
      const first = await makeHarness();
      try {
        const slug = await first.makeSlug({ 'server.js': ECHO_SERVER_JS });
        const instance = await first.runtime.start(specFor(slug, { size: findSize('standard-2x')! }));
        await eventually(() => getJson(instance));
        first.runtime.detach();
        const second = new DockerRuntime({ docker, logger: silentLogger, scope: first.scope, stopGraceMs: 2000 });
        const exits: string[] = [];
        second.onExit((i) => exits.push(i.id));
        // The size too (a label): a resize made while Berth was down must still find this container out of date.
        expect((await second.list()).map((i) => [i.id, i.status, i.size])).toEqual([[instance.id, 'running', 'standard-2x']]);
        expect(await getJson((await second.inspect(instance.id))!)).toMatchObject({ dyno: 'web.1' });
        await docker.getContainer(instance.id).kill();
        expect(await eventually(async () => exits.find((id) => id === instance.id))).toBe(instance.id);
        second.detach();
      } finally {
        await first.cleanup();
      }
    });
  });
});

/** Loop devices whose (deleted) backing file was made in dir. */
async function attachedDevices(dir: string): Promise<string[]> {
  const { stdout } = await run('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE']);
  const devices = stdout ? (JSON.parse(stdout) as { loopdevices: { name: string; 'back-file': string | null }[] }).loopdevices : [];
  return devices.filter((d) => (d['back-file'] ?? '').startsWith(`${dir}/`)).map((d) => d.name);
}
