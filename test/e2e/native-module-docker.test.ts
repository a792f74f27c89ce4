// A native npm module with no prebuilt binary compiles in a docker build (issue 13 item 8): the
// buildpack build runs on the build side of the stack (berth/stack:24-build, with a C toolchain)
// and node-gyp finds the installed Node.js release's headers through npm_config_nodedir, while
// the app's image is the run side plus the slug, without the toolchain.
import Docker from 'dockerode';
import { beforeAll, expect, it } from 'vitest';
import { STACK_IMAGE } from '../../src/build/docker/stack-image.js';
import { fixture, type Platform } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { dockerEngine, useDockerPlatform } from '../support/docker-platform.js';

describeWith(dockerEngine, 'native modules on the docker runtime', () => {
  const platform = useDockerPlatform('nmd-');
  const docker = new Docker();
  let p: Platform;
  beforeAll(() => { p = platform.p; });

  it('compiles a C module with node-gyp during the build and runs it on an image without a compiler', async () => {
    await p.createApp('nmd-sum');
    await p.deployOk('nmd-sum', fixture('node-native'), 'v1');
    expect((await p.get('nmd-sum', '/')).text).toMatch(/^native sum 2\+3=5 \(compiled by gcc 12\.\d+\.\d+\)\n$/);

    const [image] = await docker.listImages({ filters: { reference: ['berth-app/nmd-sum'] } });
    const app = await docker.getImage(image!.Id).inspect();
    const stack = await docker.getImage(STACK_IMAGE).inspect();
    // The run side of the stack plus one layer, the slug: none of the build side's layers.
    expect(app.RootFS.Layers!.slice(0, -1)).toEqual(stack.RootFS.Layers);
    expect(app.RootFS.Layers!.length).toBe(stack.RootFS.Layers!.length + 1);
    const probe = await docker.createContainer({ Image: image!.Id, Entrypoint: ['/bin/sh', '-c'], Cmd: ['command -v cc gcc make || echo no-toolchain'], Tty: true, Labels: { 'berth.scope': platform.scope } });
    try {
      const exited = probe.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
      await probe.start();
      await exited;
      expect((await probe.logs({ stdout: true, stderr: true })).toString().trim()).toBe('no-toolchain');
      // The slug is the build's, with its owner: the compiled module is there for the dyno user.
      expect(app.Config.Labels?.['berth.role']).toBe('image');
    } finally {
      await probe.remove({ force: true });
    }
  }, 420_000);
});
