// A native npm module with no prebuilt binary compiles in a local build (issue 13 item 8): local
// builds use the host's C toolchain (gcc, make, python3 for node-gyp) and node-gyp finds the
// installed Node.js release's headers through npm_config_nodedir, with no download from nodejs.org.
import { describe, expect, it } from 'vitest';
import { fixture, Platform, usePlatform } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

describe('native modules on the local runtime', () => {
  it('compiles a C module with node-gyp during the build and the app loads it', async () => {
    await p.createApp('nml-sum');
    await p.deployOk('nml-sum', fixture('node-native'), 'v1');
    expect((await p.get('nml-sum', '/')).text).toMatch(/^native sum 2\+3=5 \(compiled by gcc \d+\.\d+\.\d+\)\n$/);
  }, 300_000);
});
